// The fake OpenAI of the tests (test/fakes/openai-fake.ts: OpenAI's wire format) as its own process, for load:
// it records nothing and renders each image size once. Prints {"origin", "apiKey", "controlOrigin", "imageBytes"}
// once listening.
//
//   FAKE_LATENCY_MS=0 node -r @swc-node/register bench/fake-openai-server.ts
//
// FAKE_MODE picks what every generation answers (and `PUT <controlOrigin>/mode/<mode>` changes it while running):
//   placeholder       the tests' placeholder PNG of the size asked for (default)
//   noise-b64         a real-sized PNG, FAKE_NOISE_SIZE (default 1536x1024) of seeded noise: 3.5 MB, in base64
//   noise-url         the same PNG served at /files/<id>.png on this host, its URL in the answer
//   endless-download  a URL on this host whose download never ends and has no length
//   huge-json         a valid JSON answer padded to FAKE_HUGE_JSON_BYTES (default 300 MB), sent chunked
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIBehaviour } from "../test/fakes/openai-fake";
import { noisePng } from "./lib/noise-png";

const MODES = ["placeholder", "noise-b64", "noise-url", "endless-download", "huge-json"] as const;
type Mode = (typeof MODES)[number];

function behaviours(fake: FakeOpenAI, noise: Buffer): Record<Mode, FakeOpenAIBehaviour> {
  const endless = fake.putFile("endless", { kind: "endless" });
  return {
    placeholder: { kind: "ok" },
    "noise-b64": { kind: "ok", imageBytes: noise },
    "noise-url": { kind: "ok", format: "url", imageBytes: noise },
    "endless-download": { kind: "ok", format: "url", urls: [endless] },
    "huge-json": {
      kind: "ok",
      imageBytes: noise.subarray(0, 1024),
      padding: { bytes: Number(process.env.FAKE_HUGE_JSON_BYTES ?? 300_000_000), chunked: true },
    },
  };
}

/**
 * A second listener for the bench: PUT /mode/<mode>, PUT /latency/<ms>, and GET /stats: the generations waiting out their latency (each
 * holds one timer) and the open sockets, from Node's own list of what keeps the process alive.
 */
async function startControl(onMode: (mode: Mode) => void, onLatency: (ms: number) => void): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/stats") {
      const resources = process.getActiveResourcesInfo();
      const count = (kind: string) => resources.filter((resource) => resource === kind).length;
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ timers: count("Timeout"), sockets: count("TCPSocketWrap") }));
    }
    const latency = /^\/latency\/(\d+)$/.exec(req.url ?? "")?.[1];
    if (req.method === "PUT" && latency !== undefined) {
      onLatency(Number(latency));
      return res.writeHead(204).end();
    }
    const mode = /^\/mode\/([a-z0-9-]+)$/.exec(req.url ?? "")?.[1] as Mode | undefined;
    const known = req.method === "PUT" && mode !== undefined && MODES.includes(mode);
    if (known) onMode(mode);
    res.writeHead(known ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  const fake = await startFakeOpenAI({ record: false, reuseImages: true, apiKey: process.env.FAKE_API_KEY });
  fake.setLatencyMs(Number(process.env.FAKE_LATENCY_MS ?? 0));
  const [width, height] = (process.env.FAKE_NOISE_SIZE ?? "1536x1024").split("x").map(Number) as [number, number];
  const initial = (process.env.FAKE_MODE ?? "placeholder") as Mode;
  if (!MODES.includes(initial)) throw new Error(`FAKE_MODE must be one of ${MODES.join(", ")}`);
  // Rendered only for the modes that use it (half a second).
  const noise = initial === "placeholder" && process.env.FAKE_NOISE !== "1" ? Buffer.alloc(0) : noisePng(width, height);
  const modes = behaviours(fake, noise);
  const setMode = (mode: Mode) => {
    fake.setDefault(modes[mode]);
    // URL answers keep their file; a long run would otherwise hold every id ever answered.
    if (mode !== "noise-url") fake.expireFiles();
  };
  setMode(initial);
  const controlOrigin = await startControl(setMode, (ms) => fake.setLatencyMs(ms));
  const announced = { origin: fake.origin, apiKey: fake.apiKey, controlOrigin, imageBytes: noise.length };
  process.stdout.write(`${JSON.stringify(announced)}\n`);
  process.on("SIGTERM", () => void fake.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`fake OpenAI failed to start: ${String(error)}\n`);
  process.exit(1);
});
