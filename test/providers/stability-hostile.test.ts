import { createStabilityProvider } from "../../src/providers/stability";
import { startFakeStability, type FakeStability } from "../fakes/stability-fake";
import { failureOf, imageRequest } from "./requests";

// A misbehaving Stability upstream: what its answers may make us read, keep and repeat.

let fake: FakeStability;

beforeAll(async () => {
  fake = await startFakeStability();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function provider() {
  return createStabilityProvider({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    timeoutMs: 5_000,
    maxRetries: 2,
    retryBaseDelayMs: 1,
  });
}

const SDXL = { model: "STABLE_DIFFUSION_XL" } as const;

it("refuses artifacts that are not a PNG, JPEG or WEBP image", async () => {
  fake.script({ kind: "ok", imageBytes: Buffer.from("<html><body>not an image</body></html>") });

  const error = await failureOf(provider().generate(imageRequest(SDXL)));

  expect(error.kind).toBe("UPSTREAM");
  expect(error.message).toContain("not a PNG, JPEG or WEBP image");
});

it("refuses a valid answer padded past its cap, without asking again", async () => {
  fake.script({ kind: "ok", padding: { bytes: 64 * 1024 * 1024 } });

  const error = await failureOf(provider().generate(imageRequest(SDXL)));

  expect(error.kind).toBe("UPSTREAM");
  expect(error.message).toMatch(/answer larger than \d+ bytes/);
  expect(fake.generationRequests()).toHaveLength(1);
});

it("stops reading a chunked answer, without a length, at its cap", async () => {
  fake.script({ kind: "ok", padding: { bytes: 64 * 1024 * 1024, chunked: true } });

  const error = await failureOf(provider().generate(imageRequest(SDXL)));

  expect(error.kind).toBe("UPSTREAM");
  expect(error.message).toMatch(/answer larger than \d+ bytes/);
});

it("leaves room for n images of the requested size", async () => {
  fake.script({ kind: "ok", padding: { bytes: 512 * 1024 } });

  const result = await provider().generate(imageRequest({ ...SDXL, n: 2 }));

  expect(result.images).toHaveLength(2);
});

it("repeats an error's name only when it is a short identifier that does not echo the key", async () => {
  const prompt = "a secret prompt about a lighthouse";
  fake.script(
    { kind: "error", status: 400, name: `bad_request: ${prompt}\u001b[2J`, message: prompt },
    { kind: "error", status: 400, name: "n".repeat(100_000) },
    { kind: "error", status: 400, name: `key_${fake.apiKey}` },
    { kind: "error", status: 400, name: "invalid_sdxl_v1_dimensions" },
  );
  const generate = () => failureOf(provider().generate(imageRequest({ ...SDXL, prompt })));

  const [hostile, long, echoed, plain] = [await generate(), await generate(), await generate(), await generate()];

  for (const error of [hostile, long, echoed]) {
    expect(error).toMatchObject({
      kind: "UPSTREAM",
      status: 400,
      message: "Stability AI text-to-image failed: HTTP 400",
    });
    expect(error.providerCode).toBeUndefined();
  }
  expect(plain.message).toBe("Stability AI text-to-image failed: HTTP 400 invalid_sdxl_v1_dimensions");
});

it("names an artifact's finishReason only when it is one of Stability's", async () => {
  fake.script({ kind: "ok", finishReason: "ERROR: a secret prompt\u001b[2J" }, "artifactError");

  const hostile = await failureOf(provider().generate(imageRequest(SDXL)));
  const known = await failureOf(provider().generate(imageRequest(SDXL)));

  expect(hostile.message).toBe("Stability AI returned an artifact with finishReason unrecognised");
  expect(known.message).toBe("Stability AI returned an artifact with finishReason ERROR");
});

it("maps an error whose body is past its cap by its status alone", async () => {
  fake.script({ kind: "error", status: 400, body: { name: "bad_request", message: "m".repeat(1024 * 1024) } });

  const error = await failureOf(provider().generate(imageRequest(SDXL)));

  expect(error).toMatchObject({
    kind: "UPSTREAM",
    status: 400,
    message: "Stability AI text-to-image failed: HTTP 400",
  });
});
