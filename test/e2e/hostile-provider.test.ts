import { Writable } from "node:stream";
import pino from "pino";
import { GenerateImageDocument, type GenerateImageInput } from "../generated/graphql";
import { startBystander, type Bystander } from "../fakes/bystander";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";

// A deployment whose providers misbehave (an OpenAI-compatible gateway, Stability), as an outside review attacked
// it: what their answers can make imagegate fetch, store, charge, serve and log. The server logs at info into
// `logLines`, which the last tests read.

const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    done();
  },
});

let env: TestEnvironment;
let bystander: Bystander;
beforeAll(async () => {
  bystander = await startBystander();
  env = await startEnvironment({ PROVIDER_MAX_RETRIES: "2" }, { logger: pino({ level: "info" }, logStream) });
});
afterAll(async () => {
  await env.close();
  await bystander.close();
});
beforeEach(() => {
  env.openai.reset();
  env.stability.reset();
  bystander.requests.length = 0;
});

const DALL_E_2: GenerateImageInput = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" };
const HTML = Buffer.from("<!doctype html><html><body>internal admin page</body></html>");

/** Generates as a new user with $1; answers the error code, having checked that nothing was charged, held or kept. */
async function refusedAndUncharged(input: GenerateImageInput): Promise<string> {
  const user = await env.server.createUser("MEMBER", "1");
  const error = errorOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey));
  expect(await accountOf(env.server, user.userId)).toEqual({
    balanceMicros: 1_000_000n,
    reservedMicros: 0n,
    openHolds: 0,
  });
  const generation = await env.server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
  expect(generation).toMatchObject({ status: "FAILED", costMicros: 0n });
  expect(await env.server.db.generatedImage.count({ where: { generationId: generation.id } })).toBe(0);
  return error.code;
}

describe("image URLs a provider answers with", () => {
  it("on a loopback port other than the gateway's are not fetched: UPSTREAM_ERROR, nothing charged", async () => {
    env.openai.script({ kind: "ok", format: "url", urls: [`${bystander.origin}/secret`] });

    expect(await refusedAndUncharged(DALL_E_2)).toBe("UPSTREAM_ERROR");
    expect(bystander.requests).toHaveLength(0);
  });

  it("redirecting to the server's own /healthz are not followed", async () => {
    const url = env.openai.putFile("hop", { kind: "redirect", location: `${env.server.url}/healthz` });
    env.openai.script({ kind: "ok", format: "url", urls: [url] });

    expect(await refusedAndUncharged(DALL_E_2)).toBe("UPSTREAM_ERROR");
  });

  it("serving HTML from the gateway's own host are not stored as an image", async () => {
    const url = env.openai.putFile("page", { kind: "bytes", bytes: HTML, contentType: "image/png" });
    env.openai.script({ kind: "ok", format: "url", urls: [url] });

    expect(await refusedAndUncharged(DALL_E_2)).toBe("UPSTREAM_ERROR");
  });
});

describe("answers a provider sends", () => {
  it("with base64 that is not an image are refused, for OpenAI and Stability", async () => {
    env.openai.script({ kind: "ok", imageBytes: HTML });
    env.stability.script({ kind: "ok", imageBytes: HTML });

    expect(await refusedAndUncharged(DALL_E_2)).toBe("UPSTREAM_ERROR");
    expect(await refusedAndUncharged({ prompt: "a kite", model: "STABLE_DIFFUSION_XL" })).toBe("UPSTREAM_ERROR");
  });

  it("past their size cap are refused, not charged and not asked for again", async () => {
    env.openai.script({ kind: "ok", padding: { bytes: 32 * 1024 * 1024, chunked: true } });

    expect(await refusedAndUncharged(DALL_E_2)).toBe("UPSTREAM_ERROR");
    expect(env.openai.generationRequests()).toHaveLength(1);
  });

  it("with U+0000 and lone surrogates in a revised prompt are stored without them", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script({ kind: "ok", revisedPrompt: "a quay\u0000 at dusk\ud800, \udc00lit" });

    const response = await env.server.graphql(
      GenerateImageDocument,
      { input: { prompt: "a quay", model: "DALL_E_3" } },
      user.apiKey,
    );

    const generation = dataOf(response).generateImage;
    expect(generation.status).toBe("SUCCEEDED");
    expect(generation.images[0]?.revisedPrompt).toBe("a quay at dusk, lit");
    expect(await accountOf(env.server, user.userId)).toMatchObject({ reservedMicros: 0n, openHolds: 0 });
  });
});

describe("provider text in the logs", () => {
  it("is reduced to short identifiers: no prompt, no key, no control characters, short lines", async () => {
    const prompt = "a lighthouse owned by Jane Example";
    env.openai.script({
      kind: "error",
      status: 400,
      body: {
        error: { message: prompt, type: `invalid_request_error ${prompt}\r\n\u001b[2J`, code: env.openai.apiKey },
      },
    });
    env.stability.script({ kind: "error", status: 400, name: `bad_request ${prompt} ${"x".repeat(100_000)}` });
    const linesBefore = logLines.length;

    expect(await refusedAndUncharged({ ...DALL_E_2, prompt })).toBe("UPSTREAM_ERROR");
    expect(await refusedAndUncharged({ prompt, model: "STABLE_DIFFUSION_XL" })).toBe("UPSTREAM_ERROR");

    const lines = logLines.slice(linesBefore);
    const failures = lines.map((line) => JSON.parse(line) as { msg: string; cause?: { message: string } });
    expect(failures.filter((entry) => entry.msg === "generation failed").map((entry) => entry.cause?.message)).toEqual([
      expect.stringMatching(/^OpenAI images\.generate failed: HTTP 400 \(request req_[0-9a-f]+\)$/),
      "Stability AI text-to-image failed: HTTP 400",
    ]);
    for (const line of lines) {
      expect(line.length).toBeLessThan(1_000);
      expect(line).not.toContain("Jane Example");
      expect(line).not.toContain(env.openai.apiKey);
      expect(line).not.toMatch(/\\u001b|\\r|\\n/);
    }
  });
});
