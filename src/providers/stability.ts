import { CATALOG } from "../domain/catalog";
import { readCappedBody } from "./capped-body";
import { checkedImage, decodeBase64Image, describeFetchFailure, maxAnswerBytes, maxImageBytes } from "./image-bytes";
import {
  ProviderError,
  type ImageProvider,
  type ProviderEditRequest,
  type ProviderImageRequest,
  type ProviderResult,
} from "../domain/generation/image-provider";
import { identifierOf } from "./provider-text";
import { retryDelayMs, sleep, type RetryPolicy } from "./retry";

// Stability AI REST v1 (platform.stability.ai/docs/api-reference#tag/v1generation), as we use it:
//   POST /v1/generation/{engine}/text-to-image, Authorization: Bearer KEY, Accept: application/json
//   body {text_prompts:[{text, weight}], width, height, samples (1-10), cfg_scale (0-35), steps (10-150)}
//   200 {artifacts:[{base64, seed, finishReason: SUCCESS | ERROR | CONTENT_FILTERED}]}; filtered artifacts
//   are blurred images, not refusals, so we treat them as one.
//   errors {id, name, message}: 400 names include bad_request, invalid_sdxl_v1_dimensions and
//   invalid_prompts ("one or more of the prompts contains filtered words"); 401 unauthorized,
//   403 permission_denied, 404 not_found, 429 rate limiting, 500 server_error.
//   SDXL v1.0 sizes: 1024x1024, 1152x896, 1216x832, 1344x768, 1536x640 and their transposes.

export interface StabilityProviderOptions {
  apiKey: string;
  /** Default https://api.stability.ai */
  baseURL?: string | undefined;
  /** Per attempt. Timed-out attempts are not retried: the generation may still be running (and billed). */
  timeoutMs: number;
  /** Retries of 429, 5xx and network failures. Default 2. */
  maxRetries?: number | undefined;
  /** Backoff without Retry-After: base x 2^attempt with jitter, capped. Defaults 500 ms and 8 s. */
  retryBaseDelayMs?: number | undefined;
  retryMaxDelayMs?: number | undefined;
}

const DEFAULT_BASE_URL = "https://api.stability.ai";
const LABEL = "Stability AI";
/** An error's body is a short {id, name, message}: past this it is not read, and the error maps by its status. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

const FINISH_REASONS = new Set<unknown>(["SUCCESS", "ERROR", "CONTENT_FILTERED"]);

/** One call's fixed parts. */
interface Call {
  url: string;
  apiKey: string;
  body: string;
  timeoutMs: number;
  /** Room for the n images asked for, in base64 (./image-bytes.ts). */
  maxAnswerBytes: number;
  /** Ours, sent as X-Request-Id. */
  requestId: string | undefined;
}

export function createStabilityProvider(options: StabilityProviderOptions): ImageProvider {
  const base = (options.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
  const policy: RetryPolicy = {
    maxRetries: options.maxRetries ?? 2,
    baseDelayMs: options.retryBaseDelayMs ?? 500,
    maxDelayMs: options.retryMaxDelayMs ?? 8_000,
  };

  return {
    name: "stability",
    async generate(request: ProviderImageRequest): Promise<ProviderResult> {
      const body = JSON.stringify({
        text_prompts: [{ text: request.prompt, weight: 1 }],
        width: request.width,
        height: request.height,
        samples: request.n,
        cfg_scale: 7,
        steps: 30,
      });
      // The engine is the model's upstream id in the catalog.
      const url = `${base}/v1/generation/${CATALOG[request.model].upstreamId}/text-to-image`;
      const { apiKey, timeoutMs } = options;
      const call = {
        url,
        apiKey,
        body,
        timeoutMs,
        maxAnswerBytes: maxAnswerBytes(request.n, request.width, request.height),
        requestId: request.requestId,
      };
      const payload = await postWithRetries(call, policy);
      return toProviderResult(payload, maxImageBytes(request.width, request.height));
    },
    edit(request: ProviderEditRequest): Promise<ProviderResult> {
      // The catalog sends edits only to models that take them; none served here does.
      return Promise.reject(new ProviderError("UPSTREAM", `Stability takes no edits for ${request.model}`));
    },
  };
}

async function postWithRetries(call: Call, policy: RetryPolicy): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const retriesLeft = attempt < policy.maxRetries;
    let response: Response;
    try {
      response = await fetch(call.url, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${call.apiKey}`,
          Accept: "application/json",
          "Content-Type": "application/json",
          // Stability publishes no client request id header; X-Request-Id is the common one, for support to match.
          ...(call.requestId === undefined ? {} : { "X-Request-Id": call.requestId }),
        },
        body: call.body,
        signal: AbortSignal.timeout(call.timeoutMs),
      });
    } catch (error) {
      const reason = describeFetchFailure(error);
      if (retriesLeft && reason !== "timed out") {
        await sleep(retryDelayMs(policy, attempt, null) ?? policy.baseDelayMs);
        continue;
      }
      // Timed out or no connection: the same request may succeed if sent again.
      throw new ProviderError("UPSTREAM", `${LABEL} text-to-image failed: ${reason}`, undefined, undefined, {
        retryable: true,
      });
    }
    if (response.ok) return readJson(response, call.maxAnswerBytes);
    const retryable = response.status === 429 || response.status >= 500;
    const delayMs = retryable && retriesLeft ? retryDelayMs(policy, attempt, response.headers) : undefined;
    if (delayMs !== undefined) {
      await response.body?.cancel().catch(() => undefined);
      await sleep(delayMs);
      continue;
    }
    throw await toProviderError(response, call.apiKey);
  }
}

/** Not retried when too large: the images were made (and billed) already. */
async function readJson(response: Response, maxBytes: number): Promise<unknown> {
  let body: Buffer | "TOO_LARGE";
  try {
    body = await readCappedBody(response, maxBytes);
    if (body !== "TOO_LARGE") return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw new ProviderError("UPSTREAM", `${LABEL} returned an unreadable body: ${describeFetchFailure(error)}`);
  }
  throw new ProviderError("UPSTREAM", `${LABEL} returned an answer larger than ${maxBytes} bytes`);
}

async function errorPayload(
  response: Response,
): Promise<{ id?: unknown; name?: unknown; message?: unknown } | undefined> {
  try {
    const body = await readCappedBody(response, MAX_ERROR_BODY_BYTES);
    return body === "TOO_LARGE" ? undefined : (JSON.parse(body.toString("utf8")) as { name?: unknown });
  } catch {
    return undefined;
  }
}

async function toProviderError(response: Response, apiKey: string): Promise<ProviderError> {
  const payload = await errorPayload(response);
  // Only the error's name, when it is a short identifier, goes into our message: Stability's text may quote the
  // prompt, and a misbehaving upstream may put anything in either field.
  const name = identifierOf(payload?.name, apiKey);
  const message = typeof payload?.message === "string" ? payload.message.slice(0, 1000) : "";
  // Stability's error id is what its support asks for: the provider's request id (ProviderError keeps it if sane).
  const details = { requestId: identifierOf(payload?.id, apiKey) };
  const detail = name === undefined ? "" : ` ${name}`;
  if (response.status === 400 && isModerationRefusal(name, message)) {
    return new ProviderError("CONTENT_POLICY", `${LABEL} refused the prompt: HTTP 400${detail}`, 400, name, details);
  }
  return new ProviderError(
    "UPSTREAM",
    `${LABEL} text-to-image failed: HTTP ${response.status}${detail}`,
    response.status,
    name,
    details,
  );
}

function isModerationRefusal(name: string | undefined, message: string): boolean {
  if (name === "invalid_prompts") return true;
  return /moderat|content (policy|filter)|filtered words|safety/i.test(message);
}

function toProviderResult(payload: unknown, maxBytes: number): ProviderResult {
  const artifacts = (payload as { artifacts?: unknown } | null)?.artifacts;
  if (!Array.isArray(artifacts) || artifacts.length === 0) {
    throw new ProviderError("UPSTREAM", `${LABEL} returned a response without artifacts`);
  }
  const typed = artifacts.map((artifact: unknown) => (artifact ?? {}) as { base64?: unknown; finishReason?: unknown });
  if (typed.some((artifact) => artifact.finishReason === "CONTENT_FILTERED")) {
    throw new ProviderError(
      "CONTENT_POLICY",
      `${LABEL} filtered the image (finishReason CONTENT_FILTERED)`,
      200,
      "CONTENT_FILTERED",
    );
  }
  const images = typed.map((artifact) => {
    if (artifact.finishReason !== "SUCCESS" || typeof artifact.base64 !== "string") {
      // Named only when it is one of Stability's: the field is the provider's to fill with anything.
      const reason = FINISH_REASONS.has(artifact.finishReason) ? String(artifact.finishReason) : "unrecognised";
      throw new ProviderError("UPSTREAM", `${LABEL} returned an artifact with finishReason ${reason}`);
    }
    return checkedImage(decodeBase64Image(artifact.base64, maxBytes, LABEL), LABEL);
  });
  return { images };
}
