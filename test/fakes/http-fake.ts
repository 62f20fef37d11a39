import { randomBytes } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** One request as a fake received it. `body` is the parsed JSON body, or the raw text when it is not JSON. */
export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. "/v1/images/generations". */
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  /** The Authorization header, or undefined when absent. */
  authorization: string | undefined;
  body: unknown;
  /** The body's bytes as received (multipart uploads are not text). */
  rawBody: Buffer;
  receivedAt: Date;
}

export type FakeHandler = (request: RecordedRequest, res: ServerResponse) => Promise<void>;

export interface RunningFake {
  server: Server;
  origin: string;
  port: number;
  close(): Promise<void>;
}

/** Starts a node:http server on 127.0.0.1 and an OS-chosen port; every request is parsed, recorded, then handled. */
export async function startHttpFake(
  record: (request: RecordedRequest) => void,
  handle: FakeHandler,
): Promise<RunningFake> {
  const server = createServer((req, res) => {
    void receive(req)
      .then(async (request) => {
        record(request);
        await handle(request, res);
      })
      .catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: { message: String(error) } });
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, port, origin: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

async function receive(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const text = rawBody.toString("utf8");
  let body: unknown = text === "" ? undefined : text;
  if (text !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as text: the handler decides whether that is an error.
    }
  }
  const authorization = req.headers.authorization;
  return {
    method: req.method ?? "GET",
    path: req.url ?? "/",
    headers: req.headers,
    authorization,
    body,
    rawBody,
    receivedAt: new Date(),
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": "application/json", "content-length": payload.length, ...headers });
  res.end(payload);
}

export function sendBytes(
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: Record<string, string>,
): void {
  if (res.destroyed || res.writableEnded) return;
  const payload = typeof body === "string" ? Buffer.from(body) : body;
  res.writeHead(status, { "content-length": payload.length, ...headers });
  res.end(payload);
}

/** Extra bytes a fake adds to a valid JSON answer: a hostile or broken provider's oversized body. */
export interface JsonPadding {
  /** Characters of an ignored string field, "padding", appended to the body. */
  bytes: number;
  /** Sent chunked, without Content-Length, so that only counting while reading can stop it. Default false. */
  chunked?: boolean;
}

/**
 * `body` (a JSON object) with an ignored "padding" field of `padding.bytes` characters, written in 64 KiB pieces as
 * the client reads them, never held whole: the answer stays valid JSON however large it is.
 */
export async function sendPaddedJson(
  res: ServerResponse,
  status: number,
  body: Record<string, unknown>,
  padding: JsonPadding,
  headers: Record<string, string> = {},
): Promise<void> {
  if (res.destroyed || res.writableEnded) return;
  const head = Buffer.from(`${JSON.stringify(body).slice(0, -1)},"padding":"`);
  const tail = Buffer.from('"}');
  const length = head.length + padding.bytes + tail.length;
  const sized = padding.chunked === true ? {} : { "content-length": String(length) };
  res.writeHead(status, { "content-type": "application/json", ...sized, ...headers });
  if (!(await writeChunk(res, head))) return;
  const piece = Buffer.alloc(64 * 1024, "x");
  for (let left = padding.bytes; left > 0; left -= piece.length) {
    if (!(await writeChunk(res, left >= piece.length ? piece : piece.subarray(0, left)))) return;
  }
  res.end(tail);
}

/**
 * A 200 whose body never ends and has no Content-Length: 64 KiB pieces as fast as the client reads them, until the
 * client (or close()) drops the connection; `onClose` then gets the number of bytes written.
 */
export async function sendEndless(
  res: ServerResponse,
  contentType: string,
  onClose?: (bytesWritten: number) => void,
): Promise<void> {
  let written = 0;
  res.once("close", () => onClose?.(written));
  res.writeHead(200, { "content-type": contentType });
  const piece = Buffer.alloc(64 * 1024, 0x41);
  while (await writeChunk(res, piece)) written += piece.length;
}

/** Writes one chunk, waiting for the socket to drain; false once the connection is gone. */
function writeChunk(res: ServerResponse, chunk: Buffer): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (open: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(open);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.once("drain", onDrain);
    res.once("close", onClose);
  });
}

/** Keep-alive sockets would hold close() for about 5 s: drop every connection first. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Timers a fake arms for latency; cleared on close so that no test waits for them. */
export class FakeTimers {
  private readonly timers = new Set<NodeJS.Timeout>();

  delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/** A response that never comes: the connection stays open until the client gives up or the fake closes. */
export function never(): Promise<void> {
  return new Promise<void>(() => undefined);
}

export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("hex")}`;
}

export function pathnameOf(path: string): string {
  return new URL(path, "http://fake.invalid").pathname;
}
