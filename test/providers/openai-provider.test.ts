import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createOpenAIProvider, type OpenAIProviderOptions } from "../../src/providers/openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { jpegSize, webpSize } from "../fakes/image-formats";
import { pngSize } from "../fakes/png";
import { failureOf, imageRequest } from "./requests";

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function provider(overrides: Partial<OpenAIProviderOptions> = {}) {
  return createOpenAIProvider({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    timeoutMs: 5_000,
    maxRetries: 2,
    fetchImageTimeoutMs: 2_000,
    ...overrides,
  });
}

function onlyBody(): Record<string, unknown> {
  const requests = fake.generationRequests();
  expect(requests).toHaveLength(1);
  return requests[0]?.body as Record<string, unknown>;
}

describe("OpenAI wire mapping", () => {
  it("sends DALL_E_2 as dall-e-2 with b64_json and no quality or style", async () => {
    const result = await provider().generate(imageRequest({ model: "DALL_E_2", n: 2, width: 512, height: 512 }));

    expect(onlyBody()).toEqual({
      model: "dall-e-2",
      prompt: "a lighthouse on a cliff at dusk",
      n: 2,
      size: "512x512",
      user: "0123456789abcdef0123456789abcdef",
      response_format: "b64_json",
    });
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(pngSize(image.bytes)).toEqual({ width: 512, height: 512 });
      expect(image.contentType).toBe("image/png");
      expect(image.revisedPrompt).toBeUndefined();
    }
    expect(result.usage).toBeUndefined();
  });

  it("sends DALL_E_3 quality and style, and returns the revised prompt", async () => {
    const result = await provider().generate(
      imageRequest({ model: "DALL_E_3", quality: "HD", style: "NATURAL", width: 1792, height: 1024 }),
    );

    expect(onlyBody()).toEqual({
      model: "dall-e-3",
      prompt: "a lighthouse on a cliff at dusk",
      n: 1,
      size: "1792x1024",
      user: "0123456789abcdef0123456789abcdef",
      response_format: "b64_json",
      quality: "hd",
      style: "natural",
    });
    expect(pngSize(result.images[0]!.bytes)).toEqual({ width: 1792, height: 1024 });
    expect(result.images[0]?.revisedPrompt).toContain("a lighthouse on a cliff at dusk");
  });

  it("maps DALL_E_3 STANDARD and VIVID", async () => {
    await provider().generate(imageRequest({ model: "DALL_E_3", quality: "STANDARD", style: "VIVID" }));

    expect(onlyBody()).toMatchObject({ quality: "standard", style: "vivid" });
  });

  it("sends GPT_IMAGE_1 without response_format or style, with quality and moderation, and maps usage", async () => {
    const prompt = "a lighthouse on a cliff at dusk"; // 31 characters: 8 text tokens in the fake's estimate
    const result = await provider().generate(
      imageRequest({
        model: "GPT_IMAGE_1",
        quality: "HIGH",
        moderation: "LOW",
        n: 2,
        width: 1536,
        height: 1024,
        prompt,
      }),
    );

    const body = onlyBody();
    expect(body).toEqual({
      model: "gpt-image-1",
      prompt,
      n: 2,
      size: "1536x1024",
      user: "0123456789abcdef0123456789abcdef",
      quality: "high",
      moderation: "low",
    });
    expect(body).not.toHaveProperty("response_format");
    expect(result.images.map((image) => pngSize(image.bytes))).toEqual([
      { width: 1536, height: 1024 },
      { width: 1536, height: 1024 },
    ]);
    expect(result.usage).toEqual({ inputTextTokens: 8, inputImageTokens: 0, outputTokens: 2 * 6208 });
  });

  it.each([
    ["LOW", "low"],
    ["MEDIUM", "medium"],
    ["HIGH", "high"],
  ] as const)("maps GPT_IMAGE_1_MINI quality %s to %s and moderation AUTO to auto", async (quality, wire) => {
    await provider().generate(
      imageRequest({ model: "GPT_IMAGE_1_MINI", quality, moderation: "AUTO", width: 1024, height: 1536 }),
    );

    const body = onlyBody();
    expect(body).toMatchObject({ model: "gpt-image-1-mini", quality: wire, moderation: "auto", size: "1024x1536" });
    expect(body).not.toHaveProperty("response_format");
  });

  it("leaves moderation out when the request has none", async () => {
    await provider().generate(imageRequest({ model: "GPT_IMAGE_1", quality: "MEDIUM" }));

    expect(onlyBody()).not.toHaveProperty("moderation");
  });

  it("maps custom usage numbers", async () => {
    fake.script({ kind: "ok", usage: { textTokens: 11, imageTokens: 3, outputTokens: 777 } });

    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_1_MINI", quality: "MEDIUM" }));

    expect(result.usage).toEqual({ inputTextTokens: 11, inputImageTokens: 3, outputTokens: 777 });
  });

  it("returns no usage when the response has none", async () => {
    fake.script({ kind: "ok", usage: null });

    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_2" }));

    expect(result.images).toHaveLength(1);
    expect(result).not.toHaveProperty("usage");
  });

  it("authenticates with the bearer key", async () => {
    await provider().generate(imageRequest({ model: "DALL_E_3" }));

    expect(fake.generationRequests()[0]?.authorization).toBe(`Bearer ${fake.apiKey}`);
  });
});

describe("OpenAI wire mapping, gpt-image-2 and later", () => {
  it.each([
    ["GPT_IMAGE_2", "gpt-image-2"],
    ["GPT_IMAGE_2_5_FLARE", "gpt-image-2.5-flare"],
    ["GPT_IMAGE_2_5_SUNBURST", "gpt-image-2.5-sunburst"],
    ["GPT_IMAGE_2_6_FLARE", "gpt-image-2.6-flare"],
    ["GPT_IMAGE_2_6_SUNBURST", "gpt-image-2.6-sunburst"],
  ] as const)("sends %s as %s, which the fake accepts", async (model, upstreamId) => {
    const result = await provider().generate(imageRequest({ model, quality: "MEDIUM", width: 2048, height: 1152 }));

    expect(onlyBody()).toEqual({
      model: upstreamId,
      prompt: "a lighthouse on a cliff at dusk",
      n: 1,
      size: "2048x1152",
      user: "0123456789abcdef0123456789abcdef",
      quality: "medium",
    });
    expect(result.images.map((image) => [image.contentType, pngSize(image.bytes)])).toEqual([
      ["image/png", { width: 2048, height: 1152 }],
    ]);
    expect(result.usage).toEqual({ inputTextTokens: 8, inputImageTokens: 0, outputTokens: 1056 * 2.25 });
  });

  it("sends JPEG with compression and an opaque background, and returns image/jpeg", async () => {
    const result = await provider().generate(
      imageRequest({ model: "GPT_IMAGE_2", outputFormat: "JPEG", outputCompression: 60, background: "OPAQUE", n: 2 }),
    );

    expect(onlyBody()).toMatchObject({ output_format: "jpeg", output_compression: 60, background: "opaque", n: 2 });
    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(image.contentType).toBe("image/jpeg");
      expect(jpegSize(image.bytes)).toEqual({ width: 1024, height: 1024 });
    }
  });

  it("sends WEBP with compression and a transparent background, and returns image/webp", async () => {
    const result = await provider().generate(
      imageRequest({
        model: "GPT_IMAGE_2_6_SUNBURST",
        outputFormat: "WEBP",
        outputCompression: 0,
        background: "TRANSPARENT",
        width: 1024,
        height: 1536,
      }),
    );

    expect(onlyBody()).toMatchObject({ output_format: "webp", output_compression: 0, background: "transparent" });
    expect(result.images[0]?.contentType).toBe("image/webp");
    expect(webpSize(result.images[0]!.bytes)).toEqual({ width: 1024, height: 1536 });
  });

  it("sends PNG and AUTO as png and auto, without compression", async () => {
    const result = await provider().generate(
      imageRequest({ model: "GPT_IMAGE_2_5_FLARE", outputFormat: "PNG", background: "AUTO" }),
    );

    const body = onlyBody();
    expect(body).toMatchObject({ output_format: "png", background: "auto" });
    expect(body).not.toHaveProperty("output_compression");
    expect(result.images[0]?.contentType).toBe("image/png");
  });

  it("leaves output format, compression and background out when the request has none", async () => {
    await provider().generate(imageRequest({ model: "GPT_IMAGE_2" }));

    const body = onlyBody();
    for (const param of ["output_format", "output_compression", "background", "response_format", "style"]) {
      expect(body).not.toHaveProperty(param);
    }
  });

  it("detects the format of images a gateway returns as URLs", async () => {
    fake.script("urls");

    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_2", outputFormat: "WEBP" }));

    expect(fake.fileRequests()).toHaveLength(1);
    expect(result.images[0]?.contentType).toBe("image/webp");
  });

  it("sends a custom size as WIDTHxHEIGHT and prices its output by area", async () => {
    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_2", width: 2048, height: 1024 }));

    expect(onlyBody()).toMatchObject({ size: "2048x1024", quality: "low" });
    expect(pngSize(result.images[0]!.bytes)).toEqual({ width: 2048, height: 1024 });
    expect(result.usage?.outputTokens).toBe(272 * 2);
  });

  it("fails with UPSTREAM 400 when the fake refuses a size past the custom limits", async () => {
    const error = await failureOf(
      provider().generate(imageRequest({ model: "GPT_IMAGE_2", width: 3856, height: 1296 })),
    );

    expect(error).toMatchObject({ kind: "UPSTREAM", status: 400, providerCode: "invalid_value" });
    expect(error.message).toContain("param size");
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("maps usage with input_tokens_details", async () => {
    fake.script({ kind: "ok", usage: { textTokens: 12, imageTokens: 5, outputTokens: 4_999 } });

    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_2_5_SUNBURST" }));

    expect(result.usage).toEqual({ inputTextTokens: 12, inputImageTokens: 5, outputTokens: 4_999 });
  });

  it("takes input tokens without details as text tokens, and counts up to PostgreSQL's int4 maximum", async () => {
    fake.script({ kind: "ok", rawUsage: { input_tokens: 0, output_tokens: 2_147_483_647 } });

    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_2" }));

    expect(result.usage).toEqual({ inputTextTokens: 0, inputImageTokens: 0, outputTokens: 2_147_483_647 });
  });
});

describe("OpenAI usage that cannot be charged", () => {
  const valid = {
    input_tokens: 10,
    output_tokens: 100,
    total_tokens: 110,
    input_tokens_details: { text_tokens: 10, image_tokens: 0 },
  };

  it.each([
    ["negative output tokens", { ...valid, output_tokens: -5, total_tokens: 5 }, "output_tokens"],
    [
      "3,000,000,000 output tokens",
      { ...valid, output_tokens: 3_000_000_000, total_tokens: 3_000_000_010 },
      "output_tokens",
    ],
    ["fractional output tokens", { ...valid, output_tokens: 99.5, total_tokens: 109.5 }, "output_tokens"],
    ["output tokens as a string", { ...valid, output_tokens: "100" }, "output_tokens"],
    ["no output tokens", { input_tokens: 10, input_tokens_details: valid.input_tokens_details }, "output_tokens"],
    ["negative input tokens", { ...valid, input_tokens: -10, total_tokens: 90 }, "input_tokens"],
    ["negative text tokens", { ...valid, input_tokens_details: { text_tokens: -1, image_tokens: 0 } }, "text_tokens"],
    [
      "huge image tokens",
      { ...valid, input_tokens_details: { text_tokens: 0, image_tokens: 2 ** 31 } },
      "image_tokens",
    ],
    ["details above input tokens", { ...valid, input_tokens_details: { text_tokens: 10, image_tokens: 3 } }, "add up"],
    ["a total past int4", { input_tokens: 2_000_000_000, output_tokens: 2_000_000_000 }, "total"],
    ["usage that is not an object", "lots", "not an object"],
  ])("fails with UPSTREAM on %s", async (_case, rawUsage, field) => {
    fake.script({ kind: "ok", rawUsage });

    const error = await failureOf(provider().generate(imageRequest({ model: "GPT_IMAGE_2" })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toMatch(/^OpenAI returned unusable token usage: /);
    expect(error.message).toContain(field);
    expect(error.message).not.toMatch(/3000000000|4000000000|99\.5|-5|-10|lots/);
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("accepts the same usage when it is valid", async () => {
    fake.script({ kind: "ok", rawUsage: valid });

    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_2" }));

    expect(result.usage).toEqual({ inputTextTokens: 10, inputImageTokens: 0, outputTokens: 100 });
  });
});

describe("OpenAI failures", () => {
  it("maps content_policy_violation to CONTENT_POLICY without retrying", async () => {
    fake.script("contentPolicy");

    const error = await failureOf(provider().generate(imageRequest({ model: "DALL_E_3" })));

    expect(error.kind).toBe("CONTENT_POLICY");
    expect(error.status).toBe(400);
    expect(error.providerCode).toBe("content_policy_violation");
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("maps GPT image moderation_blocked to CONTENT_POLICY", async () => {
    fake.script("moderationBlocked");

    const error = await failureOf(provider().generate(imageRequest({ model: "GPT_IMAGE_1" })));

    expect(error.kind).toBe("CONTENT_POLICY");
    expect(error.providerCode).toBe("moderation_blocked");
  });

  it("maps other 400s to UPSTREAM", async () => {
    const error = await failureOf(provider().generate(imageRequest({ model: "DALL_E_3", n: 2 })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.status).toBe(400);
  });

  it.each([0, 1, 2])("fails with UPSTREAM after maxRetries=%i retries of a 500", async (maxRetries) => {
    fake.setDefault("serverError");

    const error = await failureOf(provider({ maxRetries }).generate(imageRequest({ model: "DALL_E_3" })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.status).toBe(500);
    expect(fake.generationRequests()).toHaveLength(maxRetries + 1);
  });

  it("retries a 429 and succeeds", async () => {
    fake.script("rateLimit");

    const result = await provider().generate(imageRequest({ model: "GPT_IMAGE_1" }));

    expect(result.images).toHaveLength(1);
    expect(fake.generationRequests()).toHaveLength(2);
  });

  it("retries a 500 and succeeds", async () => {
    fake.script("serverError", "serverError");

    const result = await provider().generate(imageRequest({ model: "DALL_E_2", width: 256, height: 256 }));

    expect(pngSize(result.images[0]!.bytes)).toEqual({ width: 256, height: 256 });
    expect(fake.generationRequests()).toHaveLength(3);
  });

  it("maps a timeout to UPSTREAM, retrying timed-out attempts", async () => {
    fake.setDefault("hang");
    const startedAt = Date.now();

    const error = await failureOf(
      provider({ timeoutMs: 150, maxRetries: 1 }).generate(imageRequest({ model: "DALL_E_3" })),
    );

    expect(error.kind).toBe("UPSTREAM");
    expect(fake.generationRequests()).toHaveLength(2);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
  });

  it("maps a non-JSON success body to UPSTREAM", async () => {
    fake.script("malformed");

    const error = await failureOf(provider().generate(imageRequest({ model: "DALL_E_3" })));

    expect(error.kind).toBe("UPSTREAM");
  });

  it("maps a response without images to UPSTREAM", async () => {
    fake.script({ kind: "ok", imageCount: 0 });

    const error = await failureOf(provider().generate(imageRequest({ model: "DALL_E_3" })));

    expect(error.kind).toBe("UPSTREAM");
  });

  it("maps a refused connection to UPSTREAM", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await failureOf(
      provider({ baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 }).generate(imageRequest({ model: "DALL_E_3" })),
    );

    expect(error.kind).toBe("UPSTREAM");
  });

  it("never puts the API key or the prompt in an error message", async () => {
    const apiKey = "sk-live-very-secret-key-0123456789";
    const prompt = "a secret prompt about a lighthouse";
    fake.script({
      kind: "error",
      status: 400,
      body: {
        error: {
          message: `Key ${apiKey} may not ask for ${prompt}`,
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      },
    });

    const echoed = await failureOf(provider({ apiKey }).generate(imageRequest({ model: "DALL_E_3", prompt })));
    const unauthorized = await failureOf(provider({ apiKey }).generate(imageRequest({ model: "DALL_E_3", prompt })));

    expect(unauthorized.status).toBe(401);
    for (const error of [echoed, unauthorized]) {
      expect(error.kind).toBe("UPSTREAM");
      expect(error.message).not.toContain(apiKey);
      expect(error.message).not.toContain(apiKey.slice(-8));
      expect(error.message).not.toContain(prompt);
      expect(JSON.stringify(error)).not.toContain(apiKey);
    }
  });
});

describe("OpenAI URL responses", () => {
  it("downloads URL images at once, without sending the API key to the file host", async () => {
    fake.script("urls");

    const result = await provider().generate(imageRequest({ model: "DALL_E_3", width: 1024, height: 1792 }));

    expect(pngSize(result.images[0]!.bytes)).toEqual({ width: 1024, height: 1792 });
    expect(result.images[0]?.contentType).toBe("image/png");
    expect(result.images[0]?.revisedPrompt).toBeDefined();
    expect(fake.fileRequests()).toHaveLength(1);
    expect(fake.fileRequests()[0]?.authorization).toBeUndefined();
  });

  it("downloads every image of a multi-image URL response", async () => {
    fake.script({ kind: "ok", format: "url" });

    const result = await provider().generate(imageRequest({ model: "DALL_E_2", n: 3, width: 256, height: 256 }));

    expect(result.images).toHaveLength(3);
    expect(new Set(result.images.map((image) => image.bytes.toString("base64"))).size).toBe(3);
    expect(fake.fileRequests()).toHaveLength(3);
  });

  it("maps an expired (404) image URL to UPSTREAM", async () => {
    fake.script({ kind: "ok", format: "url", expired: true });

    const error = await failureOf(provider().generate(imageRequest({ model: "DALL_E_3" })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.status).toBe(404);
    expect(error.message).not.toContain("sig=");
  });

  it("maps a download that outlasts fetchImageTimeoutMs to UPSTREAM", async () => {
    fake.script("urls");
    fake.setFileLatencyMs(2_000);

    const error = await failureOf(provider({ fetchImageTimeoutMs: 100 }).generate(imageRequest({ model: "DALL_E_3" })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toContain("timed out");
  });

  it("serves files until they are expired", async () => {
    fake.script("urls");
    await provider().generate(imageRequest({ model: "DALL_E_3" }));
    const [id] = fake.fileIds();

    fake.expireFiles();

    const response = await fetch(`${fake.origin}/files/${id}.png`);
    expect(response.status).toBe(404);
    await response.arrayBuffer();
  });
});
