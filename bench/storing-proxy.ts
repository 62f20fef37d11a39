// The floor for a gateway that keeps the images it answers with, as imagegate does (a provider's URLs expire): the
// bare proxy (./bare-proxy.ts) plus that work on each image and nothing else. It forwards the images call, takes
// each image's bytes (downloaded from the provider's URL, or decoded from base64), writes them to a file of their
// own, answers with its own URL for them (or the base64 again), and serves the file at that URL. No accounting, no
// checks, no database: what is left of imagegate's cost above this is its own. Prints {"url": "..."} once listening.
//
//   UPSTREAM_URL=http://127.0.0.1:PORT STORE_DIR=/tmp/store PORT=0 node -r @swc-node/register bench/storing-proxy.ts
import { createReadStream } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

const upstream = new URL(process.env.UPSTREAM_URL ?? "http://127.0.0.1:8080");
const storeDir = process.env.STORE_DIR ?? "/tmp/storing-proxy";
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let origin = "";
let stored = 0;

interface ImagesAnswer {
  data: { url?: string; b64_json?: string }[];
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

function request(url: URL, method: string, headers: http.OutgoingHttpHeaders, body?: Buffer) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const sent = http.request(url, { method, headers: { ...headers, host: url.host }, agent }, (response) => {
      readAll(response).then((bytes) => resolve({ status: response.statusCode ?? 502, body: bytes }), reject);
    });
    sent.on("error", reject);
    sent.end(body);
  });
}

/** The image's bytes to a file of their own; the URL we serve them at. */
async function keep(image: { url?: string; b64_json?: string }): Promise<void> {
  const bytes =
    image.url === undefined
      ? Buffer.from(image.b64_json ?? "", "base64")
      : (await request(new URL(image.url), "GET", {})).body;
  const name = `${++stored}.png`;
  await writeFile(path.join(storeDir, name), bytes);
  if (image.url !== undefined) image.url = `${origin}/images/${name}`;
}

async function forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const body = await readAll(req);
  const target = new URL(req.url ?? "/", upstream);
  const answer = await request(target, req.method ?? "POST", req.headers, body);
  if (answer.status !== 200 || !target.pathname.endsWith("/images/generations")) {
    res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    return;
  }
  const parsed = JSON.parse(answer.body.toString()) as ImagesAnswer;
  await Promise.all(parsed.data.map(keep));
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(parsed));
}

async function serve(name: string, res: http.ServerResponse): Promise<void> {
  const file = path.join(storeDir, path.basename(name));
  const { size } = await stat(file);
  res.writeHead(200, { "content-type": "image/png", "content-length": size });
  createReadStream(file).pipe(res);
}

const server = http.createServer((req, res) => {
  const handled =
    req.method === "GET" && req.url?.startsWith("/images/") === true
      ? serve(req.url.slice("/images/".length), res)
      : forward(req, res);
  handled.catch(() => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
});

void mkdir(storeDir, { recursive: true }).then(() =>
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    origin = `http://127.0.0.1:${port}`;
    process.stdout.write(`${JSON.stringify({ url: origin })}\n`);
  }),
);
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
