import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from "openai";
import type { Image, ImagesResponse } from "openai/resources/images";
import { httpFetch, type HttpFetchOptions } from "./http-fetch";
import { checkedImage, decodeBase64Image, maxAnswerBytes, maxImageBytes } from "./image-bytes";
import { downloadImage } from "./image-download";
import { openAIImageSources, type ImageSources } from "./image-sources";
import { toOpenAIEditParams, toOpenAIGenerateParams } from "./openai-wire";
import { generateStreaming } from "./openai-stream";
import { identifierOf, MAX_REVISED_PROMPT_CHARS, storableText } from "./provider-text";
import {
  ProviderError,
  type ImageProvider,
  type ProviderEditRequest,
  type ProviderImage,
  type ProviderCallOptions,
  type ProviderImageRequest,
  type ProviderResult,
  type ProviderUsage,
} from "../domain/generation/image-provider";

export interface OpenAIProviderOptions {
  apiKey: string;
  /** An OpenAI-compatible base URL including its version path, e.g. `http://127.0.0.1:1234/v1`. */
  baseURL?: string | undefined;
  /** Per attempt: the SDK retries a timed-out attempt like a 5xx. */
  timeoutMs: number;
  /** Retries of 408/409/429/5xx and connection failures, honouring retry-after(-ms). Default 2. */
  maxRetries?: number | undefined;
  /** For images a gateway returns as URLs instead of base64. Default 30 s. */
  fetchImageTimeoutMs?: number | undefined;
}

/** What reading one answer needs besides the answer. */
interface AnswerContext {
  /** Per image, downloaded or decoded. */
  maxImageBytes: number;
  fetchImageTimeoutMs: number;
  sources: ImageSources;
}

const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_FETCH_IMAGE_TIMEOUT_MS = 30_000;
const LABEL = "OpenAI";
/** Timeouts and lost connections: the same request may well succeed if sent again. */
const RETRYABLE = { retryable: true } as const;

export function createOpenAIProvider(options: OpenAIProviderOptions): ImageProvider {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    // The SDK would log retries and failures to the console; our callers log the ProviderError instead.
    logLevel: "off",
    fetch: httpFetch,
  });
  const fetchImageTimeoutMs = options.fetchImageTimeoutMs ?? DEFAULT_FETCH_IMAGE_TIMEOUT_MS;
  const sources = openAIImageSources(options.baseURL);

  /** One images call (generate or edit), capped and mapped the same way. */
  const answer = async (
    request: ProviderImageRequest,
    operation: Operation,
    send: (options: RequestOptions) => Promise<ImagesResponse>,
  ): Promise<ProviderResult> => {
    // Read by our transport (./http-fetch.ts), which stops reading past it: room for n images of this size.
    const cap: HttpFetchOptions = { maxResponseBytes: maxAnswerBytes(request.n, request.width, request.height) };
    let response: ImagesResponse;
    try {
      // The SDK's type lists the runtimes' fetch options; it passes any others on as they are.
      response = await send({ fetchOptions: cap as Record<never, never>, headers: clientRequestId(request) });
    } catch (error) {
      throw toProviderError(error, options.apiKey, operation);
    }
    const context = { maxImageBytes: maxImageBytes(request.width, request.height), fetchImageTimeoutMs, sources };
    return toProviderResult(response, context);
  };

  return {
    name: "openai",
    async generate(request: ProviderImageRequest, callOptions: ProviderCallOptions = {}): Promise<ProviderResult> {
      if ((request.partialImages ?? 0) > 0) {
        return generateStreaming(client, request, callOptions, {
          apiKey: options.apiKey,
          timeoutMs: options.timeoutMs,
        });
      }
      const params = toOpenAIGenerateParams(request);
      return answer(request, "images.generate", (requestOptions) => client.images.generate(params, requestOptions));
    },
    async edit(request: ProviderEditRequest): Promise<ProviderResult> {
      const params = await toOpenAIEditParams(request);
      return answer(request, "images.edit", (requestOptions) => client.images.edit(params, requestOptions));
    },
  };
}

type Operation = "images.generate" | "images.edit";
type RequestOptions = { fetchOptions: Record<never, never>; headers: Record<string, string> | undefined };

/** Our request id as OpenAI's X-Client-Request-Id: OpenAI logs it with the call, so support can find it by ours. */
export function clientRequestId(request: ProviderImageRequest): Record<string, string> | undefined {
  return request.requestId === undefined ? undefined : { "X-Client-Request-Id": request.requestId };
}

async function toProviderResult(response: ImagesResponse, context: AnswerContext): Promise<ProviderResult> {
  const items: unknown = (response as Partial<ImagesResponse> | null | undefined)?.data;
  if (!Array.isArray(items) || items.length === 0) {
    throw new ProviderError("UPSTREAM", `${LABEL} returned a response without images`);
  }
  // Before any download: usage we cannot charge fails the call whatever the images are.
  const usage = toProviderUsage(response.usage);
  const images = await Promise.all(items.map((item: unknown) => toProviderImage(item, context)));
  return usage === undefined ? { images } : { images, usage };
}

async function toProviderImage(item: unknown, context: AnswerContext): Promise<ProviderImage> {
  const image = (typeof item === "object" && item !== null ? item : {}) as Partial<Image>;
  let bytes: Buffer;
  if (typeof image.b64_json === "string" && image.b64_json !== "") {
    bytes = decodeBase64Image(image.b64_json, context.maxImageBytes, LABEL);
  } else if (typeof image.url === "string" && image.url !== "") {
    // Some OpenAI-compatible gateways ignore response_format; their URLs expire, so fetch the bytes now.
    bytes = await downloadImage(image.url, {
      sources: context.sources,
      timeoutMs: context.fetchImageTimeoutMs,
      maxBytes: context.maxImageBytes,
      providerLabel: LABEL,
    });
  } else {
    throw new ProviderError("UPSTREAM", `${LABEL} returned an image with neither b64_json nor url`);
  }
  const result: ProviderImage = checkedImage(bytes, LABEL);
  const revisedPrompt = storableText(image.revised_prompt, MAX_REVISED_PROMPT_CHARS);
  if (revisedPrompt !== undefined) result.revisedPrompt = revisedPrompt;
  return result;
}

/** PostgreSQL's int4, the type of the token columns: a count above it could not be stored. */
const MAX_TOKEN_COUNT = 2_147_483_647;

/**
 * Usage is optional (only GPT image models report it): when it is missing the generation settles at its hold. When
 * it is present it is what we charge, so counts that are not whole, are negative, or could not be stored (alone or
 * added up) are the provider's fault: a ProviderError naming the field, never echoing the provider's values.
 */
export function toProviderUsage(usage: unknown): ProviderUsage | undefined {
  if (usage === undefined || usage === null) return undefined;
  if (typeof usage !== "object") throw unusableUsage("usage is not an object");
  const wire = usage as Record<string, unknown>;
  const outputTokens = tokenCount(wire.output_tokens, "output_tokens");
  const inputTokens = tokenCount(wire.input_tokens, "input_tokens");
  const details = wire.input_tokens_details;
  if (details !== undefined && details !== null && typeof details !== "object") {
    throw unusableUsage("input_tokens_details is not an object");
  }
  const { text_tokens: text, image_tokens: image } = (details ?? {}) as Record<string, unknown>;
  const inputImageTokens =
    image === undefined || image === null ? 0 : tokenCount(image, "input_tokens_details.image_tokens");
  // Without details, every input token is a text token: generation requests carry no input images.
  const inputTextTokens =
    text === undefined || text === null
      ? inputTokens - inputImageTokens
      : tokenCount(text, "input_tokens_details.text_tokens");
  if (inputTextTokens < 0 || inputTextTokens + inputImageTokens > inputTokens) {
    throw unusableUsage("input_tokens_details add up to more than input_tokens");
  }
  if (inputTokens + outputTokens > MAX_TOKEN_COUNT) throw unusableUsage("the total is out of range");
  return { inputTextTokens, inputImageTokens, outputTokens };
}

function tokenCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_TOKEN_COUNT) {
    throw unusableUsage(`${field} is not a whole number from 0 to ${MAX_TOKEN_COUNT}`);
  }
  return value;
}

function unusableUsage(reason: string): ProviderError {
  return new ProviderError("UPSTREAM", `${LABEL} returned unusable token usage: ${reason}`);
}

/**
 * OpenAI's refusals: `content_policy_violation` (DALL-E, and GPT image models on some paths) and
 * `image_generation_user_error` with a moderation code such as `moderation_blocked` (GPT image models).
 */
function isContentPolicyRefusal(code: string | undefined, type: string | undefined): boolean {
  if (code === "content_policy_violation") return true;
  return type === "image_generation_user_error" && code !== undefined && /moderation|safety|content_policy/i.test(code);
}

/**
 * Maps whatever the SDK threw to a ProviderError. Messages are built only from status, type, code, param and the
 * request id, each kept only when it is a short identifier (./provider-text.ts), never from the upstream's message,
 * which may echo the prompt (or, from some gateways, the key).
 */
export function toProviderError(
  error: unknown,
  apiKey: string,
  operation: Operation = "images.generate",
): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof APIError && typeof error.status === "number") {
    const code = identifierOf(error.code, apiKey);
    const type = identifierOf(error.type, apiKey);
    const paramName = identifierOf(error.param, apiKey);
    const param = paramName === undefined ? undefined : `param ${paramName}`;
    const detail = [[type, code].filter((part) => part !== undefined).join("/"), param].filter(Boolean).join(" ");
    const requestIdentifier = identifierOf(error.requestID, apiKey);
    const requestId = requestIdentifier === undefined ? "" : ` (request ${requestIdentifier})`;
    const suffix = `${detail === "" ? "" : ` ${detail}`}${requestId}`;
    const details = { requestId: requestIdentifier };
    if (error.status === 400 && isContentPolicyRefusal(code, type)) {
      return new ProviderError("CONTENT_POLICY", `${LABEL} refused the prompt: HTTP 400${suffix}`, 400, code, details);
    }
    return new ProviderError(
      "UPSTREAM",
      `${LABEL} ${operation} failed: HTTP ${error.status}${suffix}`,
      error.status,
      code,
      details,
    );
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new ProviderError("UPSTREAM", `${LABEL} ${operation} timed out`, undefined, undefined, RETRYABLE);
  }
  if (error instanceof APIConnectionError) {
    const message = `${LABEL} ${operation} could not connect or timed out`;
    return new ProviderError("UPSTREAM", message, undefined, undefined, RETRYABLE);
  }
  // Duck-typed: errors from fetch or JSON.parse may come from another realm (jest's sandbox).
  const name = typeof error === "object" && error !== null ? String((error as { name?: unknown }).name) : typeof error;
  if (name === "SyntaxError") {
    return new ProviderError("UPSTREAM", `${LABEL} ${operation} returned a body that is not JSON`);
  }
  if (name === "ResponseTooLargeError") {
    const limit = (error as { limitBytes?: unknown }).limitBytes;
    return new ProviderError("UPSTREAM", `${LABEL} ${operation} returned an answer larger than ${String(limit)} bytes`);
  }
  return new ProviderError("UPSTREAM", `${LABEL} ${operation} failed unexpectedly (${name})`);
}
