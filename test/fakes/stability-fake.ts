import type { ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { renderPlaceholderPng } from "../../src/providers/placeholder-png";
import {
  FakeTimers,
  never,
  pathnameOf,
  sendBytes,
  sendJson,
  sendPaddedJson,
  startHttpFake,
  type JsonPadding,
  type RecordedRequest,
} from "./http-fake";

export type { RecordedRequest } from "./http-fake";

/** What the fake does with one POST /v1/generation/{engine}/text-to-image; scripted ones are used once, in order. */
export type FakeStabilityBehaviour =
  | {
      kind: "ok";
      /** Every artifact's bytes, instead of a rendered PNG: say, an HTML page. */
      imageBytes?: Buffer;
      /** An ignored "padding" field making the (still valid) JSON answer this much larger. */
      padding?: JsonPadding;
      /** Every artifact's finishReason, verbatim (default SUCCESS). */
      finishReason?: string;
    }
  /** 200 whose artifacts are all finishReason CONTENT_FILTERED (Stability returns blurred images). */
  | { kind: "contentFiltered" }
  /** 200 whose artifacts carry finishReason ERROR. */
  | { kind: "artifactError" }
  /** 400 invalid_prompts: "one or more of the prompts contains filtered words". */
  | { kind: "invalidPrompts" }
  /**
   * Any status with Stability's {id, name, message} body, or `body` verbatim. 5xx carry "Retry-After: 0" by
   * default so that retries in tests are immediate (null: no header, and clients use their own backoff).
   */
  | {
      kind: "error";
      status: number;
      name?: string;
      message?: string;
      body?: unknown;
      headers?: Record<string, string>;
      retryAfterSeconds?: number | null;
    }
  /** 429 with Retry-After in seconds (default "0", so clients retry at once). */
  | { kind: "rateLimit"; retryAfterSeconds?: number }
  | { kind: "hang" }
  | { kind: "delay"; ms: number; then?: FakeStabilityBehaviour | FakeStabilityShorthand }
  | { kind: "malformed" };

export type FakeStabilityShorthand =
  "ok" | "contentFiltered" | "artifactError" | "invalidPrompts" | "serverError" | "rateLimit" | "hang" | "malformed";

export interface FakeStabilityOptions {
  /** Default "sk-fake-stability-key". */
  apiKey?: string;
  /** Reject bodies the real v1 API rejects (SDXL sizes, samples 1-10, steps, cfg_scale, prompts). Default true. */
  strict?: boolean;
}

export interface FakeStability {
  /** Pass as STABILITY_BASE_URL: "http://127.0.0.1:PORT" (no version path: the provider adds /v1/...). */
  baseURL: string;
  apiKey: string;
  requests: RecordedRequest[];
  generationRequests(): RecordedRequest[];
  script(...behaviours: Array<FakeStabilityBehaviour | FakeStabilityShorthand>): void;
  pendingScript(): number;
  setDefault(behaviour: FakeStabilityBehaviour | FakeStabilityShorthand): void;
  setLatencyMs(ms: number): void;
  reset(): void;
  close(): Promise<void>;
}

const SHORTHANDS: Record<FakeStabilityShorthand, FakeStabilityBehaviour> = {
  ok: { kind: "ok" },
  contentFiltered: { kind: "contentFiltered" },
  artifactError: { kind: "artifactError" },
  invalidPrompts: { kind: "invalidPrompts" },
  serverError: { kind: "error", status: 500 },
  rateLimit: { kind: "rateLimit" },
  hang: { kind: "hang" },
  malformed: { kind: "malformed" },
};

const ENGINES = new Set(["stable-diffusion-xl-1024-v1-0"]);
const SDXL_SIZES = new Set([
  "1024x1024",
  "1152x896",
  "1216x832",
  "1344x768",
  "1536x640",
  "640x1536",
  "768x1344",
  "832x1216",
  "896x1152",
]);
const ROUTE = /^\/v1\/generation\/([^/]+)\/text-to-image$/;

function normalize(behaviour: FakeStabilityBehaviour | FakeStabilityShorthand): FakeStabilityBehaviour {
  return typeof behaviour === "string" ? SHORTHANDS[behaviour] : behaviour;
}

function sendError(
  res: ServerResponse,
  status: number,
  name: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { id: randomUUID(), name, message }, headers);
}

export async function startFakeStability(options: FakeStabilityOptions = {}): Promise<FakeStability> {
  const apiKey = options.apiKey ?? "sk-fake-stability-key";
  const strict = options.strict ?? true;
  const requests: RecordedRequest[] = [];
  const queue: FakeStabilityBehaviour[] = [];
  const timers = new FakeTimers();
  let fallback: FakeStabilityBehaviour = { kind: "ok" };
  let latencyMs = 0;

  const running = await startHttpFake(
    (request) => requests.push(request),
    async (request, res) => {
      const match = ROUTE.exec(pathnameOf(request.path));
      if (request.method !== "POST" || match === null)
        return sendError(res, 404, "not_found", `No route for ${request.method} ${pathnameOf(request.path)}`);
      if (request.authorization === undefined)
        return sendError(res, 401, "unauthorized", "missing authorization header");
      if (request.authorization !== `Bearer ${apiKey}`)
        return sendError(res, 401, "unauthorized", "Incorrect API key provided");
      if (!ENGINES.has(match[1] ?? ""))
        return sendError(res, 404, "not_found", `The specified engine (ID ${match[1]}) was not found.`);
      if (typeof request.body !== "object" || request.body === null)
        return sendError(res, 400, "bad_request", "body: invalid JSON");
      const body = request.body as Record<string, unknown>;
      const problem = strict ? checkBody(body) : undefined;
      if (problem !== undefined) return sendError(res, 400, problem.name, problem.message);
      await timers.delay(latencyMs);
      await respond(queue.shift() ?? fallback, body, String(request.headers.accept ?? ""), res);
    },
  );

  const respond = async (
    behaviour: FakeStabilityBehaviour,
    body: Record<string, unknown>,
    accept: string,
    res: ServerResponse,
  ): Promise<void> => {
    switch (behaviour.kind) {
      case "ok":
        return sendArtifacts(res, body, accept, behaviour.finishReason ?? "SUCCESS", behaviour);
      case "contentFiltered":
        return sendArtifacts(res, body, accept, "CONTENT_FILTERED");
      case "artifactError":
        return sendArtifacts(res, body, accept, "ERROR");
      case "invalidPrompts":
        return sendError(
          res,
          400,
          "invalid_prompts",
          "Invalid prompts detected: one or more of the prompts contains filtered words",
        );
      case "error": {
        const retryAfter =
          behaviour.retryAfterSeconds === undefined
            ? behaviour.status >= 500
              ? 0
              : null
            : behaviour.retryAfterSeconds;
        const headers = { ...(retryAfter === null ? {} : { "retry-after": String(retryAfter) }), ...behaviour.headers };
        if (behaviour.body !== undefined) return sendJson(res, behaviour.status, behaviour.body, headers);
        return sendError(
          res,
          behaviour.status,
          behaviour.name ?? "server_error",
          behaviour.message ?? "An unexpected server error occurred, please try again.",
          headers,
        );
      }
      case "rateLimit":
        return sendError(
          res,
          429,
          "rate_limit_exceeded",
          "You have exceeded the rate limit of 150 requests within a 10 second period.",
          {
            "retry-after": String(behaviour.retryAfterSeconds ?? 0),
          },
        );
      case "hang":
        return never();
      case "delay":
        await timers.delay(behaviour.ms);
        return respond(normalize(behaviour.then ?? "ok"), body, accept, res);
      case "malformed":
        return sendBytes(res, 200, "<html>upstream connect error</html>", { "content-type": "application/json" });
    }
  };

  return {
    baseURL: running.origin,
    apiKey,
    requests,
    generationRequests: () => requests.filter((r) => r.method === "POST" && ROUTE.test(pathnameOf(r.path))),
    script: (...behaviours) => queue.push(...behaviours.map(normalize)),
    pendingScript: () => queue.length,
    setDefault: (behaviour) => {
      fallback = normalize(behaviour);
    },
    setLatencyMs: (ms) => {
      latencyMs = ms;
    },
    reset: () => {
      requests.length = 0;
      queue.length = 0;
      fallback = { kind: "ok" };
      latencyMs = 0;
    },
    close: async () => {
      timers.clear();
      await running.close();
    },
  };
}

/** Accept application/json: {artifacts:[...]}; image/png (one sample only): the raw PNG with Finish-Reason and Seed headers. */
function sendArtifacts(
  res: ServerResponse,
  body: Record<string, unknown>,
  accept: string,
  finishReason: string,
  hostile: { imageBytes?: Buffer; padding?: JsonPadding } = {},
): Promise<void> | void {
  const width = typeof body.width === "number" ? body.width : 512;
  const height = typeof body.height === "number" ? body.height : 512;
  const samples = typeof body.samples === "number" ? body.samples : 1;
  const prompt = JSON.stringify(body.text_prompts ?? "");
  const artifacts = Array.from({ length: samples }, (_, index) => {
    const seed = Math.floor(Math.random() * 4_294_967_295);
    return {
      seed,
      finishReason,
      bytes:
        hostile.imageBytes ??
        renderPlaceholderPng(width, height, `stability-fake\u0000${prompt}\u0000${index}\u0000${seed}`),
    };
  });
  if (accept.includes("image/png")) {
    const first = artifacts[0];
    if (samples !== 1 || first === undefined)
      return sendError(
        res,
        400,
        "invalid_samples",
        "Sample count may only be greater than 1 when the accept header is set to `application/json`",
      );
    return sendBytes(res, 200, first.bytes, {
      "content-type": "image/png",
      "finish-reason": finishReason,
      seed: String(first.seed),
    });
  }
  const answer = {
    artifacts: artifacts.map((a) => ({
      base64: a.bytes.toString("base64"),
      seed: a.seed,
      finishReason: a.finishReason,
    })),
  };
  if (hostile.padding !== undefined) return sendPaddedJson(res, 200, answer, hostile.padding);
  sendJson(res, 200, answer);
}

function checkBody(body: Record<string, unknown>): { name: string; message: string } | undefined {
  const prompts = body.text_prompts;
  if (!Array.isArray(prompts) || prompts.length === 0)
    return { name: "bad_request", message: "text_prompts: is required" };
  for (const prompt of prompts as Array<{ text?: unknown }>) {
    if (typeof prompt?.text !== "string" || prompt.text.length > 2000)
      return { name: "bad_request", message: "text_prompts: text must be a string of at most 2000 characters" };
  }
  const width = body.width ?? 512;
  const height = body.height ?? 512;
  if (!SDXL_SIZES.has(`${String(width)}x${String(height)}`)) {
    return {
      name: "invalid_sdxl_v1_dimensions",
      message: "Incorrect dimensions specified for SDXL v0.9 or v1.0 engine.",
    };
  }
  const samples = body.samples ?? 1;
  if (typeof samples !== "number" || !Number.isInteger(samples) || samples < 1 || samples > 10)
    return { name: "bad_request", message: "samples: must be between 1 and 10" };
  const steps = body.steps ?? 50;
  if (typeof steps !== "number" || steps < 10 || steps > 150)
    return { name: "bad_request", message: "steps: must be between 10 and 150" };
  const cfgScale = body.cfg_scale ?? 7;
  if (typeof cfgScale !== "number" || cfgScale < 0 || cfgScale > 35)
    return { name: "bad_request", message: "cfg_scale: must be between 0 and 35" };
  return undefined;
}
