// The fake OpenAI of the tests (test/fakes/openai-fake.ts: OpenAI's wire format) as its own process, for load:
// it records nothing and renders each image size once. Prints {"origin": "...", "apiKey": "..."} once listening.
//
//   FAKE_LATENCY_MS=0 node -r @swc-node/register bench/fake-openai-server.ts
import { startFakeOpenAI } from "../test/fakes/openai-fake";

async function main(): Promise<void> {
  const fake = await startFakeOpenAI({ record: false, reuseImages: true, apiKey: process.env.FAKE_API_KEY });
  fake.setLatencyMs(Number(process.env.FAKE_LATENCY_MS ?? 0));
  process.stdout.write(`${JSON.stringify({ origin: fake.origin, apiKey: fake.apiKey })}\n`);
  process.on("SIGTERM", () => void fake.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`fake OpenAI failed to start: ${String(error)}\n`);
  process.exit(1);
});
