import type { ServerResponse } from "node:http";
import {
  FakeTimers,
  never,
  pathnameOf,
  randomId,
  sendBytes,
  sendEndless,
  sendJson,
  sendPaddedJson,
  startHttpFake,
  type JsonPadding,
  type RecordedRequest,
} from "./http-fake";
import { CONTENT_TYPES, renderPlaceholder, type FakeImageFormat } from "./image-formats";
import { checkEdit, defaultImageTokens, editBodyOf, parseEdit, type ReceivedEdit } from "./openai-fake-edits";
import {
  checkGenerateBody,
  defaultOutputTokens,
  defaultTextTokens,
  modelFamily,
  type OpenAIWireError,
} from "./openai-fake-rules";

export type { RecordedRequest } from "./http-fake";
export type { ReceivedEdit, ReceivedFile } from "./openai-fake-edits";

/** Token usage as the fake reports it for GPT image models (converted to OpenAI's wire shape). */
export interface FakeUsage {
  textTokens: number;
  imageTokens?: number;
  outputTokens: number;
}

/**
 * What the fake does with one POST /v1/images/generations. Scripted behaviours are used once each, in order;
 * when none is queued the default (normally "ok") applies. Strings are shorthands for the simple cases.
 */
export type FakeOpenAIBehaviour =
  | {
      kind: "ok";
      /**
       * "url": serve the image at GET /files/<id>.<png|jpeg|webp> and return its URL, as gateways that ignore
       * response_format do (OpenAI itself answers GPT image models in base64 only).
       */
      format?: "b64_json" | "url";
      /** With format "url": return URLs whose files are already gone (404). */
      expired?: boolean;
      /**
       * GPT image models: custom usage, or null for none. Default: OpenAI's gpt-image-1 token table for its sizes,
       * other sizes scaled from 1024x1024 by area (see defaultOutputTokens).
       */
      usage?: FakeUsage | null;
      /** Any JSON as `usage`, verbatim (malformed usage tests). Overrides `usage`. */
      rawUsage?: unknown;
      /** dall-e-3: the revised prompt (default: derived from the prompt); null for none. */
      revisedPrompt?: string | null;
      /** Return this many images instead of n. */
      imageCount?: number;
      /** With format "url": these URLs verbatim, one per image (the last one repeated), as a hostile gateway might. */
      urls?: string[];
      /** Every image's bytes, instead of a rendered image (base64 or served as a file): say, an HTML page. */
      imageBytes?: Buffer;
      /** An ignored "padding" field making the (still valid) JSON answer this much larger. */
      padding?: JsonPadding;
      /**
       * With `stream: true`, a misbehaving stream: this many partial images whatever partial_images said, no completed
       * event (the stream just ends), or no end at all after the partials.
       */
      stream?: { partials?: number; completed?: false; hang?: true };
    }
  | { kind: "contentPolicy"; message?: string }
  /** GPT image models' refusal: 400 image_generation_user_error / moderation_blocked. */
  | { kind: "moderationBlocked" }
  /** Any status with OpenAI's error body (or `body` verbatim). 5xx carry retry-after-ms (default 5; null for none). */
  | { kind: "error"; status: number; body?: unknown; headers?: Record<string, string>; retryAfterMs?: number | null }
  /** 429 with retry-after-ms (default 5) and retry-after (seconds, rounded up). */
  | { kind: "rateLimit"; retryAfterMs?: number }
  /** Never answers: the client's timeout (or close()) ends it. */
  | { kind: "hang" }
  | { kind: "delay"; ms: number; then?: FakeOpenAIBehaviour | FakeOpenAIShorthand }
  /** Answers once `until` settles (a test's gate), then as `then` says: no timing involved. */
  | { kind: "wait"; until: Promise<unknown>; then?: FakeOpenAIBehaviour | FakeOpenAIShorthand }
  /** 200 with a body that is not JSON. */
  | { kind: "malformed" };

/** What GET /files/<id> answers for a file put there by a test (beside the images the fake renders itself). */
export type FakeFile =
  /** `chunked`: sent in pieces without a Content-Length. */
  | { kind: "bytes"; bytes: Buffer | string; contentType: string; chunked?: boolean }
  | { kind: "redirect"; location: string; status?: 301 | 302 | 303 | 307 | 308 }
  /** A 200 that never ends, without Content-Length; `onClose` gets the bytes written when the client hangs up. */
  | { kind: "endless"; contentType?: string; onClose?: (bytesWritten: number) => void };

export type FakeOpenAIShorthand =
  "ok" | "urls" | "contentPolicy" | "moderationBlocked" | "serverError" | "rateLimit" | "hang" | "malformed";

export interface FakeOpenAIOptions {
  /** The only key accepted; others get OpenAI's 401. Default "sk-fake-openai-key". */
  apiKey?: string;
  /**
   * Reject bodies OpenAI would reject (unknown model, size/quality/n for the model, response_format on GPT image
   * models, output_format or background on models without them...). Default true.
   */
  strict?: boolean;
  /** Keep every request in `requests`. Default true; false for load tests, where the list would only grow. */
  record?: boolean;
  /**
   * Render one placeholder PNG per model, size and index and serve it again, instead of one per request (about 2 ms
   * for 256x256 here): for load tests, where rendering would make the fake the bottleneck. Default false.
   */
  reuseImages?: boolean;
}

export interface FakeOpenAI {
  /** Pass as the SDK's baseURL / OPENAI_BASE_URL: "http://127.0.0.1:PORT/v1". */
  baseURL: string;
  /** "http://127.0.0.1:PORT" */
  origin: string;
  apiKey: string;
  /** Every request received, in order (generations, file downloads, rejected ones); empty with `record: false`. */
  requests: RecordedRequest[];
  /** Only the POST /v1/images/generations requests. */
  generationRequests(): RecordedRequest[];
  /** Every POST /v1/images/edits call that parsed as multipart, its parts as received, in order. */
  edits: ReceivedEdit[];
  /** Only the GET /files/... requests. */
  fileRequests(): RecordedRequest[];
  /** Queue behaviours for the next generation requests, one each. */
  script(...behaviours: Array<FakeOpenAIBehaviour | FakeOpenAIShorthand>): void;
  /** Behaviours still queued. */
  pendingScript(): number;
  /** The behaviour when nothing is queued (initially "ok"). */
  setDefault(behaviour: FakeOpenAIBehaviour | FakeOpenAIShorthand): void;
  /** Extra latency before every generation response (default 0). */
  setLatencyMs(ms: number): void;
  /** Extra latency before every file download response (default 0): for download timeout tests. */
  setFileLatencyMs(ms: number): void;
  /** Ids of the files currently served at /files/<id>.<png|jpeg|webp>. */
  fileIds(): string[];
  /** Delete served files (all, or the given ids): later downloads get 404, as an expired OpenAI URL would. */
  expireFiles(ids?: string[]): void;
  /** Serves `file` at /files/<id> until reset; answers its URL on the fake's own host. */
  putFile(id: string, file: FakeFile): string;
  /** Forget requests, script, default, latency and files. */
  reset(): void;
  close(): Promise<void>;
}

const SHORTHANDS: Record<FakeOpenAIShorthand, FakeOpenAIBehaviour> = {
  ok: { kind: "ok" },
  urls: { kind: "ok", format: "url" },
  contentPolicy: { kind: "contentPolicy" },
  moderationBlocked: { kind: "moderationBlocked" },
  serverError: { kind: "error", status: 500 },
  rateLimit: { kind: "rateLimit" },
  hang: { kind: "hang" },
  malformed: { kind: "malformed" },
};

function normalize(behaviour: FakeOpenAIBehaviour | FakeOpenAIShorthand): FakeOpenAIBehaviour {
  return typeof behaviour === "string" ? SHORTHANDS[behaviour] : behaviour;
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const apiKey = options.apiKey ?? "sk-fake-openai-key";
  const strict = options.strict ?? true;
  const record = options.record ?? true;
  const renderedImages = options.reuseImages === true ? new Map<string, Buffer>() : undefined;
  const requests: RecordedRequest[] = [];
  const edits: ReceivedEdit[] = [];
  const queue: FakeOpenAIBehaviour[] = [];
  const files = new Map<string, { bytes: Buffer; contentType: string }>();
  const putFiles = new Map<string, FakeFile>();
  const timers = new FakeTimers();
  let fallback: FakeOpenAIBehaviour = { kind: "ok" };
  let latencyMs = 0;
  let fileLatencyMs = 0;

  const running = await startHttpFake(
    (request) => {
      if (record) requests.push(request);
    },
    async (request, res) => {
      const pathname = pathnameOf(request.path);
      if (request.method === "GET" && pathname.startsWith("/files/")) {
        await timers.delay(fileLatencyMs);
        return serveFile(pathname, res);
      }
      if (request.method === "POST" && pathname === "/v1/images/edits") return handleEdit(request, res);
      if (request.method !== "POST" || pathname !== "/v1/images/generations") {
        return sendError(res, 404, {
          message: `Invalid URL (${request.method} ${pathname})`,
          type: "invalid_request_error",
          param: null,
          code: null,
        });
      }
      const authError = checkAuthorization(request.authorization, apiKey);
      if (authError !== undefined) return sendError(res, 401, authError);
      if (typeof request.body !== "object" || request.body === null || Array.isArray(request.body)) {
        return sendError(res, 400, {
          message: "We could not parse the JSON body of your request.",
          type: "invalid_request_error",
          param: null,
          code: null,
        });
      }
      await timers.delay(latencyMs);
      await respond(queue.shift() ?? fallback, request.body as Record<string, unknown>, res);
    },
  );

  /** The scripted behaviours apply to edits as to generations; an "ok" checks the parts as OpenAI would. */
  const handleEdit = async (request: RecordedRequest, res: ServerResponse): Promise<void> => {
    const authError = checkAuthorization(request.authorization, apiKey);
    if (authError !== undefined) return sendError(res, 401, authError);
    const edit = await parseEdit(request.rawBody, request.headers["content-type"]);
    if (!("images" in edit)) return sendError(res, 400, edit);
    if (record) edits.push(edit);
    await timers.delay(latencyMs);
    await respond(queue.shift() ?? fallback, editBodyOf(edit), res, edit);
  };

  const serveFile = (pathname: string, res: ServerResponse): Promise<void> | void => {
    const id = pathname.slice("/files/".length).replace(/\.(png|jpeg|webp)$/, "");
    const put = putFiles.get(id);
    if (put !== undefined) return servePutFile(put, res);
    const file = files.get(id);
    if (file === undefined)
      return sendBytes(res, 404, "BlobNotFound: The specified blob does not exist.", { "content-type": "text/plain" });
    sendBytes(res, 200, file.bytes, { "content-type": file.contentType });
  };

  const servePutFile = (file: FakeFile, res: ServerResponse): Promise<void> | void => {
    switch (file.kind) {
      case "bytes":
        if (file.chunked !== true) return sendBytes(res, 200, file.bytes, { "content-type": file.contentType });
        res.writeHead(200, { "content-type": file.contentType });
        for (let at = 0; at < file.bytes.length; at += 64 * 1024) res.write(file.bytes.slice(at, at + 64 * 1024));
        return void res.end();
      case "redirect":
        return sendBytes(res, file.status ?? 302, "", { location: file.location });
      case "endless":
        return sendEndless(res, file.contentType ?? "image/png", file.onClose);
    }
  };

  const respond = async (
    behaviour: FakeOpenAIBehaviour,
    body: Record<string, unknown>,
    res: ServerResponse,
    edit?: ReceivedEdit,
  ): Promise<void> => {
    switch (behaviour.kind) {
      case "ok": {
        const wireError = !strict ? undefined : edit === undefined ? checkGenerateBody(body) : checkEdit(edit);
        if (wireError !== undefined) return sendError(res, 400, wireError);
        const answer = success(behaviour, body, edit === undefined ? 0 : defaultImageTokens(edit));
        const headers = { "x-request-id": randomId("req_") };
        if (body.stream === true) {
          const partials = partialsOf(answer, body, behaviour.stream?.partials, behaviour.imageBytes);
          return sendImageStream(res, answer, partials, headers, behaviour.stream);
        }
        if (behaviour.padding !== undefined) return sendPaddedJson(res, 200, answer, behaviour.padding, headers);
        return sendJson(res, 200, answer, headers);
      }
      case "contentPolicy":
        return sendError(res, 400, {
          message:
            behaviour.message ??
            "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.",
          type: "invalid_request_error",
          param: null,
          code: "content_policy_violation",
        });
      case "moderationBlocked":
        return sendError(res, 400, {
          message:
            "Your request was rejected by the safety system. If you believe this is an error, contact us at help.openai.com and include the request ID.",
          type: "image_generation_user_error",
          param: null,
          code: "moderation_blocked",
        });
      case "error": {
        const retryAfterMs =
          behaviour.retryAfterMs === undefined ? (behaviour.status >= 500 ? 5 : null) : behaviour.retryAfterMs;
        const headers = { ...retryHeaders(retryAfterMs), ...behaviour.headers };
        const errorBody = behaviour.body ?? {
          error: {
            message: "The server had an error while processing your request. Sorry about that!",
            type: "server_error",
            param: null,
            code: null,
          },
        };
        return sendJson(res, behaviour.status, errorBody, { "x-request-id": randomId("req_"), ...headers });
      }
      case "rateLimit":
        return sendError(
          res,
          429,
          {
            message: "Rate limit reached for images per minute. Please try again later.",
            type: "requests",
            param: null,
            code: "rate_limit_exceeded",
          },
          retryHeaders(behaviour.retryAfterMs ?? 5),
        );
      case "hang":
        return never();
      case "delay":
        await timers.delay(behaviour.ms);
        return respond(normalize(behaviour.then ?? "ok"), body, res, edit);
      case "wait":
        await behaviour.until.catch(() => undefined);
        return respond(normalize(behaviour.then ?? "ok"), body, res, edit);
      case "malformed":
        return sendBytes(res, 200, "<html>502 Bad Gateway</html>", { "content-type": "application/json" });
    }
  };

  const renderImage = (image: ImageToRender, index: number, created: number): Buffer => {
    const { format, width, height, model, prompt } = image;
    if (renderedImages === undefined) {
      const seed = `openai-fake\u0000${model}\u0000${prompt}\u0000${index}\u0000${created}`;
      return renderPlaceholder(format, width, height, seed);
    }
    const key = `${model}\u0000${format}\u0000${width}x${height}\u0000${index}`;
    let bytes = renderedImages.get(key);
    if (bytes === undefined) {
      bytes = renderPlaceholder(format, width, height, `openai-fake\u0000${key}`);
      renderedImages.set(key, bytes);
    }
    return bytes;
  };

  const success = (
    behaviour: Extract<FakeOpenAIBehaviour, { kind: "ok" }>,
    body: Record<string, unknown>,
    inputImageTokens: number,
  ): Record<string, unknown> => {
    const model = typeof body.model === "string" ? body.model : "dall-e-2";
    const prompt = String(body.prompt ?? "");
    const size = typeof body.size === "string" && body.size !== "auto" ? body.size : "1024x1024";
    const [width, height] = size.split("x").map(Number) as [number, number];
    const gptImage = modelFamily(model) === "gpt-image";
    const format = gptImage ? requestedFormat(body) : "png";
    const count = behaviour.imageCount ?? (typeof body.n === "number" ? body.n : 1);
    const created = Math.floor(Date.now() / 1000);
    const data = Array.from({ length: count }, (_, index) => {
      const bytes = behaviour.imageBytes ?? renderImage({ format, width, height, model, prompt }, index, created);
      const item: Record<string, unknown> = {};
      if (behaviour.format === "url" && behaviour.urls !== undefined) {
        item.url = behaviour.urls[Math.min(index, behaviour.urls.length - 1)];
      } else if (behaviour.format === "url") {
        const id = randomId("img-");
        if (behaviour.expired !== true) files.set(id, { bytes, contentType: CONTENT_TYPES[format] });
        item.url = `${running.origin}/files/${id}.${format}?st=${created}&se=${created + 3600}&sig=fake-signature`;
      } else {
        item.b64_json = bytes.toString("base64");
      }
      if (model === "dall-e-3" && behaviour.revisedPrompt !== null) {
        item.revised_prompt = behaviour.revisedPrompt ?? `A detailed rendering of: ${prompt}`;
      }
      return item;
    });
    if (!gptImage) return { created, data };
    const quality = typeof body.quality === "string" ? body.quality : "auto";
    // As OpenAI answers: what it made, with "auto" resolved.
    const response: Record<string, unknown> = {
      created,
      background: body.background === "transparent" ? "transparent" : "opaque",
      data,
      output_format: format,
      quality: quality === "auto" ? "medium" : quality,
      size,
    };
    const usage =
      behaviour.rawUsage !== undefined
        ? behaviour.rawUsage
        : wireUsage(behaviour.usage, prompt, quality, size, count, inputImageTokens);
    if (usage !== undefined) response.usage = usage;
    return response;
  };

  /** The partial images OpenAI would stream before the final one: renders of the same size, one per index asked. */
  const partialsOf = (
    answer: Record<string, unknown>,
    body: Record<string, unknown>,
    forced: number | undefined,
    bytes: Buffer | undefined,
  ): Buffer[] => {
    const count = forced ?? (typeof body.partial_images === "number" ? body.partial_images : 0);
    if (bytes !== undefined) return Array.from({ length: count }, () => bytes);
    const format = requestedFormat(body);
    const [width, height] = String(answer.size).split("x").map(Number) as [number, number];
    const seed = `openai-fake-partial\u0000${String(body.prompt)}`;
    return Array.from({ length: count }, (_, index) =>
      renderPlaceholder(format, width, height, `${seed}\u0000${index}`),
    );
  };

  return {
    baseURL: `${running.origin}/v1`,
    origin: running.origin,
    apiKey,
    requests,
    edits,
    generationRequests: () =>
      requests.filter((r) => r.method === "POST" && pathnameOf(r.path) === "/v1/images/generations"),
    fileRequests: () => requests.filter((r) => r.method === "GET" && pathnameOf(r.path).startsWith("/files/")),
    script: (...behaviours) => queue.push(...behaviours.map(normalize)),
    pendingScript: () => queue.length,
    setDefault: (behaviour) => {
      fallback = normalize(behaviour);
    },
    setLatencyMs: (ms) => {
      latencyMs = ms;
    },
    setFileLatencyMs: (ms) => {
      fileLatencyMs = ms;
    },
    fileIds: () => [...files.keys()],
    expireFiles: (ids) => {
      if (ids === undefined) files.clear();
      else for (const id of ids) files.delete(id);
    },
    putFile: (id, file) => {
      putFiles.set(id, file);
      return `${running.origin}/files/${id}`;
    },
    reset: () => {
      requests.length = 0;
      edits.length = 0;
      queue.length = 0;
      files.clear();
      putFiles.clear();
      fallback = { kind: "ok" };
      latencyMs = 0;
      fileLatencyMs = 0;
    },
    close: async () => {
      timers.clear();
      await running.close();
    },
  };
}

interface ImageToRender {
  format: FakeImageFormat;
  width: number;
  height: number;
  model: string;
  prompt: string;
}

function requestedFormat(body: Record<string, unknown>): FakeImageFormat {
  const format = body.output_format;
  return format === "jpeg" || format === "webp" ? format : "png";
}

function wireUsage(
  usage: FakeUsage | null | undefined,
  prompt: string,
  quality: string,
  size: string,
  count: number,
  inputImageTokens: number,
): unknown {
  if (usage === null) return undefined;
  const textTokens = usage?.textTokens ?? defaultTextTokens(prompt);
  const imageTokens = usage?.imageTokens ?? inputImageTokens;
  const outputTokens = usage?.outputTokens ?? defaultOutputTokens(quality, size, count);
  return {
    total_tokens: textTokens + imageTokens + outputTokens,
    input_tokens: textTokens + imageTokens,
    output_tokens: outputTokens,
    input_tokens_details: { text_tokens: textTokens, image_tokens: imageTokens },
  };
}

/**
 * A streaming answer, as OpenAI sends one for `stream: true`: Server-Sent Events, each with its `event:` name and the
 * same name as `type` in its JSON `data:`; the partial images (`image_generation.partial_image`, with
 * `partial_image_index`), then one `image_generation.completed` with the final image and the usage.
 */
function sendImageStream(
  res: ServerResponse,
  answer: Record<string, unknown>,
  partials: Buffer[],
  headers: Record<string, string>,
  misbehave: { completed?: false; hang?: true } = {},
): void | Promise<void> {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers });
  const common = {
    created_at: answer.created,
    size: answer.size,
    quality: answer.quality,
    background: answer.background,
    output_format: answer.output_format,
  };
  const send = (type: string, fields: Record<string, unknown>) =>
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`);
  partials.forEach((bytes, index) =>
    send("image_generation.partial_image", {
      ...common,
      b64_json: bytes.toString("base64"),
      partial_image_index: index,
    }),
  );
  if (misbehave.hang === true) return never();
  if (misbehave.completed === false) return void res.end();
  const [image] = answer.data as Array<{ b64_json?: string }>;
  const completed: Record<string, unknown> = { ...common, b64_json: image?.b64_json ?? "" };
  if (answer.usage !== undefined) completed.usage = answer.usage;
  send("image_generation.completed", completed);
  res.end();
}

function checkAuthorization(header: string | undefined, apiKey: string): OpenAIWireError | undefined {
  if (header === undefined || !header.startsWith("Bearer ") || header.length === "Bearer ".length) {
    return {
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      type: "invalid_request_error",
      param: null,
      code: null,
    };
  }
  const given = header.slice("Bearer ".length);
  if (given === apiKey) return undefined;
  const masked = given.length > 8 ? `${given.slice(0, 3)}${"*".repeat(given.length - 7)}${given.slice(-4)}` : "***";
  return {
    message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    type: "invalid_request_error",
    param: null,
    code: "invalid_api_key",
  };
}

function retryHeaders(retryAfterMs: number | null): Record<string, string> {
  if (retryAfterMs === null) return {};
  return { "retry-after-ms": String(retryAfterMs), "retry-after": String(Math.ceil(retryAfterMs / 1000)) };
}

function sendError(
  res: ServerResponse,
  status: number,
  error: OpenAIWireError,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error }, { "x-request-id": randomId("req_"), ...headers });
}
