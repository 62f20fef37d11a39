import http from "node:http";
import https from "node:https";

// The OpenAI SDK's transport. Node's global fetch (undici, WHATWG streams) cost about 0.3 ms of CPU more per image
// request than node:http with a keep-alive agent (bench/RESULTS.md): on a gateway whose own work is a few
// milliseconds, that is the largest single item. The SDK keeps everything else (retries, timeouts, errors); this only
// moves bytes: a request with a string or byte body, answered with the whole body buffered, which is what JSON
// endpoints need.

const agents = {
  "http:": new http.Agent({ keepAlive: true }),
  "https:": new https.Agent({ keepAlive: true }),
};

/** Statuses whose Response may not have a body. */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** A `fetch` for SDKs that accept one: http(s) only, request bodies as strings or bytes, no redirects followed. */
export function httpFetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
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
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      { method: init.method ?? "GET", headers, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", fail);
        response.on("end", () => {
          signal?.removeEventListener("abort", onAbort);
          const status = response.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (Array.isArray(value)) value.forEach((item) => responseHeaders.append(name, item));
            else if (value !== undefined) responseHeaders.set(name, value);
          }
          try {
            resolve(
              new Response(NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: response.statusMessage,
                headers: responseHeaders,
              }),
            );
          } catch (error) {
            reject(error as Error); // a status Response refuses (outside 200-599)
          }
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

/** What fetch rejects with on abort; the SDK tells a timeout by the name. */
function abortError(): Error {
  return new DOMException("This operation was aborted", "AbortError");
}
