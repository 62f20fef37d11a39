import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";

// The OpenAI SDK's transport. Node's global fetch (undici, WHATWG streams) cost about 0.3 ms of CPU more per image
// request than node:http with a keep-alive agent (bench/RESULTS.md): on a gateway whose own work is a few
// milliseconds, that is the largest single item. The SDK keeps everything else (retries, timeouts, errors); this only
// moves bytes: a request with a string or byte body, answered with the whole body buffered, which is what JSON
// endpoints need. The answer is a BufferedResponse, not undici's Response: building that one (its Headers, a
// ReadableStream over the bytes) was another 7 % of the main thread's samples at c=32.

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** Statuses whose Response may not have a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Body caps. A caller that knows what it asked for names its own (the images call: room for its n images); others get
 * 4 MiB (the model list is tens of KB). An error's body is a short JSON object: 64 KiB at most.
 */
const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Our cap, passed through the SDK's `fetchOptions` (which it spreads into the init it hands to fetch). */
export interface HttpFetchOptions {
  maxResponseBytes?: number;
  /**
   * A streamed answer (Server-Sent Events): a success resolves at its headers with a Response whose body is read as
   * it arrives, counted against the same cap (past it the body errors with ResponseTooLargeError).
   */
  stream?: boolean;
}

type HttpFetchInit = RequestInit & HttpFetchOptions;

/** What reading the body of an answer past its cap rejects with; its name is what callers tell it by. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`response body larger than ${limitBytes} bytes`);
    this.name = "ResponseTooLargeError";
  }
}

/**
 * A `fetch` for SDKs that accept one: http(s) only, request bodies as strings, bytes or a FormData, no redirects followed. The
 * body is read up to its cap and no further: past it (or when Content-Length says so) the connection is dropped and
 * the answer resolves with its status and headers but a body whose reading rejects with ResponseTooLargeError. So the
 * SDK decides on retries by the status, as always, and an oversized success is not asked for again (the provider has
 * done that work), but surfaces from the call as that error.
 */
export async function httpFetch(input: string | URL | Request, init: HttpFetchInit = {}): Promise<Response> {
  // A FormData body (the SDK's uploads: images.edit) is encoded here as fetch would, boundary and all.
  if (init.body instanceof FormData) return httpFetch(input, await encodedForm(init, init.body));
  return sendBuffered(input, init);
}

/** `init` with its form as multipart bytes and the Content-Type naming their boundary. */
async function encodedForm(init: HttpFetchInit, form: FormData): Promise<HttpFetchInit> {
  const encoded = new Request("http://127.0.0.1/", { method: "POST", body: form });
  const headers = new Headers(init.headers);
  headers.set("content-type", encoded.headers.get("content-type")!);
  return { ...init, headers, body: new Uint8Array(await encoded.arrayBuffer()) };
}

function sendBuffered(input: string | URL | Request, init: HttpFetchInit): Promise<Response> {
  const url = input instanceof Request ? new URL(input.url) : new URL(input);
  const agent = agents[url.protocol as keyof typeof agents];
  if (agent === undefined) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) {
    return Promise.reject(new TypeError("httpFetch sends string or byte bodies only"));
  }
  const signal = init.signal ?? undefined;
  if (signal?.aborted === true) return Promise.reject(abortError());

  return new Promise<Response>((resolve, reject) => {
    const headers: Record<string, string> = {};
    // The SDK hands a Headers already validated; anything else goes through one.
    (init.headers instanceof Headers ? init.headers : new Headers(init.headers)).forEach(
      (value, name) => (headers[name] = value),
    );
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      { method: init.method ?? "GET", headers, agent },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status < 200 || status > 599) {
          response.destroy();
          signal?.removeEventListener("abort", onAbort);
          return reject(new RangeError(`status ${status} is outside 200-599`)); // as Response would refuse it
        }
        const answer = (body: Buffer | ResponseTooLargeError) => {
          signal?.removeEventListener("abort", onAbort);
          const statusText = response.statusMessage ?? "";
          resolve(new BufferedResponse(url.href, status, statusText, response.headers, body) as unknown as Response);
        };
        const limit = Math.min(init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, errorBodyCap(status));
        if (init.stream === true && status >= 200 && status < 300) {
          // The abort listener stays: aborting ends the body too.
          return resolve(streamedResponse(response, limit));
        }
        const tooLarge = () => {
          response.destroy();
          answer(new ResponseTooLargeError(limit));
        };
        if (Number(response.headers["content-length"] ?? "0") > limit) return tooLarge();
        const chunks: Buffer[] = [];
        let received = 0;
        response.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > limit) return tooLarge();
          chunks.push(chunk);
        });
        response.on("error", fail);
        response.on("end", () => {
          answer(NULL_BODY_STATUSES.has(status) ? Buffer.alloc(0) : Buffer.concat(chunks, received));
        });
      },
    );
    function fail(error: Error) {
      signal?.removeEventListener("abort", onAbort);
      reject(new TypeError("fetch failed", { cause: error }));
    }
    function onAbort() {
      request.destroy();
      reject(abortError());
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    request.on("error", fail);
    request.end(body ?? undefined);
  });
}

/** A fetch Response over a body still arriving, counted against `limit` bytes. */
function streamedResponse(response: http.IncomingMessage, limit: number): Response {
  let received = 0;
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const end = (error?: Error) => {
        if (finished) return;
        finished = true;
        if (error === undefined) controller.close();
        else controller.error(error);
      };
      response.on("data", (chunk: Buffer) => {
        if (finished) return;
        received += chunk.length;
        if (received > limit) {
          response.destroy();
          return end(new ResponseTooLargeError(limit));
        }
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      });
      response.on("end", () => end());
      response.on("error", (error) => end(new TypeError("fetch failed", { cause: error })));
      response.on("close", () => end(new TypeError("fetch failed: the connection closed mid-answer")));
    },
    cancel() {
      finished = true;
      response.destroy();
    },
  });
  const headers = new Headers();
  for (const [name, value] of new ResponseHeaders(response.headers).entries()) headers.append(name, value);
  return new Response(body, { status: response.statusCode, statusText: response.statusMessage ?? "", headers });
}

/** An error's body needs no more than a short JSON object. */
function errorBodyCap(status: number): number {
  return status >= 400 ? MAX_ERROR_BODY_BYTES : Infinity;
}

/** What fetch rejects with on abort; the SDK tells a timeout by the name. */
function abortError(): Error {
  return new DOMException("This operation was aborted", "AbortError");
}

/**
 * The part of fetch's Response that the OpenAI SDK reads on a non-streaming call (status, ok, url, headers' get and
 * entries, text(); body may be null), over bytes already received. Deliberately small: a new SDK that reads more
 * fails the provider tests, which drive the real SDK through this transport.
 */
class BufferedResponse {
  readonly body = null;
  readonly headers: ResponseHeaders;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    headers: IncomingHttpHeaders,
    private readonly bytes: Buffer | ResponseTooLargeError,
  ) {
    this.headers = new ResponseHeaders(headers);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): Promise<string> {
    if (this.bytes instanceof ResponseTooLargeError) return Promise.reject(this.bytes);
    return Promise.resolve(this.bytes.toString("utf8"));
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.bytes instanceof ResponseTooLargeError) return Promise.reject(this.bytes);
    const { buffer, byteOffset, byteLength } = this.bytes;
    return Promise.resolve(buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer);
  }
}

/** Headers as fetch reads them (names in lower case, repeated values joined by ", "), over node's parsed ones. */
class ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.entries()) callback(value, name);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) yield [name, this.get(name)!];
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
