import { createStabilityProvider, type StabilityProviderOptions } from "../../src/providers/stability";
import { pngSize } from "../fakes/png";
import { startFakeStability, type FakeStability } from "../fakes/stability-fake";
import { failureOf, imageRequest } from "./requests";

let fake: FakeStability;

beforeAll(async () => {
  fake = await startFakeStability();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function provider(overrides: Partial<StabilityProviderOptions> = {}) {
  return createStabilityProvider({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    timeoutMs: 5_000,
    maxRetries: 2,
    retryBaseDelayMs: 1,
    ...overrides,
  });
}

describe("Stability AI v1 text-to-image", () => {
  it("posts the v1 body with bearer auth and returns PNGs of the requested size", async () => {
    const result = await provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL", n: 2 }));

    const [request] = fake.generationRequests();
    expect(fake.generationRequests()).toHaveLength(1);
    expect(request?.path).toBe("/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image");
    expect(request?.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(request?.headers.accept).toBe("application/json");
    expect(request?.body).toEqual({
      text_prompts: [{ text: "a lighthouse on a cliff at dusk", weight: 1 }],
      width: 1024,
      height: 1024,
      samples: 2,
      cfg_scale: 7,
      steps: 30,
    });
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(pngSize(image.bytes)).toEqual({ width: 1024, height: 1024 });
      expect(image.contentType).toBe("image/png");
    }
    expect(result.usage).toBeUndefined();
  });

  it("maps CONTENT_FILTERED artifacts to CONTENT_POLICY", async () => {
    fake.script("contentFiltered");

    const error = await failureOf(provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL" })));

    expect(error.kind).toBe("CONTENT_POLICY");
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("maps a 400 invalid_prompts to CONTENT_POLICY without retrying", async () => {
    fake.script("invalidPrompts");

    const error = await failureOf(provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL" })));

    expect(error.kind).toBe("CONTENT_POLICY");
    expect(error.providerCode).toBe("invalid_prompts");
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("maps other 400s to UPSTREAM", async () => {
    const error = await failureOf(
      provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL", width: 512, height: 512 })),
    );

    expect(error.kind).toBe("UPSTREAM");
    expect(error.providerCode).toBe("invalid_sdxl_v1_dimensions");
  });

  it("maps ERROR artifacts to UPSTREAM", async () => {
    fake.script("artifactError");

    const error = await failureOf(provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL" })));

    expect(error.kind).toBe("UPSTREAM");
  });

  it.each([0, 2])("fails with UPSTREAM after maxRetries=%i retries of a 500", async (maxRetries) => {
    fake.setDefault("serverError");

    const error = await failureOf(provider({ maxRetries }).generate(imageRequest({ model: "STABLE_DIFFUSION_XL" })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.status).toBe(500);
    expect(fake.generationRequests()).toHaveLength(maxRetries + 1);
  });

  it("backs off by itself when a 5xx has no Retry-After", async () => {
    fake.script(
      { kind: "error", status: 502, retryAfterSeconds: null },
      { kind: "error", status: 503, retryAfterSeconds: null },
    );

    const result = await provider({ retryBaseDelayMs: 20 }).generate(imageRequest({ model: "STABLE_DIFFUSION_XL" }));

    expect(result.images).toHaveLength(1);
    const [first, second, third] = fake.generationRequests().map((request) => request.receivedAt.getTime());
    expect(second! - first!).toBeGreaterThanOrEqual(10);
    expect(third! - second!).toBeGreaterThanOrEqual(25);
  });

  it("retries a 429 honouring Retry-After and succeeds", async () => {
    fake.script("rateLimit");

    const result = await provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL" }));

    expect(result.images).toHaveLength(1);
    expect(fake.generationRequests()).toHaveLength(2);
  });

  it("gives up at once when Retry-After asks for longer than it may wait", async () => {
    fake.script({ kind: "rateLimit", retryAfterSeconds: 120 });

    const error = await failureOf(provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL" })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.status).toBe(429);
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("maps a timeout to UPSTREAM without retrying it", async () => {
    fake.setDefault("hang");

    const error = await failureOf(
      provider({ timeoutMs: 100 }).generate(imageRequest({ model: "STABLE_DIFFUSION_XL" })),
    );

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toContain("timed out");
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("maps a non-JSON body to UPSTREAM", async () => {
    fake.script("malformed");

    const error = await failureOf(provider().generate(imageRequest({ model: "STABLE_DIFFUSION_XL" })));

    expect(error.kind).toBe("UPSTREAM");
  });

  it("never puts the API key or the prompt in an error message", async () => {
    const apiKey = "sk-stability-very-secret-0123456789";
    const prompt = "a secret prompt about a lighthouse";
    fake.script({ kind: "error", status: 400, name: "bad_request", message: `${apiKey} cannot draw ${prompt}` });

    const echoed = await failureOf(
      provider({ apiKey }).generate(imageRequest({ model: "STABLE_DIFFUSION_XL", prompt })),
    );
    const unauthorized = await failureOf(
      provider({ apiKey }).generate(imageRequest({ model: "STABLE_DIFFUSION_XL", prompt })),
    );

    expect(unauthorized.status).toBe(401);
    for (const error of [echoed, unauthorized]) {
      expect(error.kind).toBe("UPSTREAM");
      expect(error.message).not.toContain(apiKey);
      expect(error.message).not.toContain(prompt);
    }
  });
});
