import OpenAI from "openai";
import { CATALOG } from "../../src/domain/catalog";
import { imageInfo } from "../fakes/image-formats";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { defaultOutputTokens, fakeOpenAIModels } from "../fakes/openai-fake-rules";
import { pngSize } from "../fakes/png";
import { startFakeStability } from "../fakes/stability-fake";

// The end-to-end suite trusts these fakes to speak the providers' wire formats; these tests pin that down.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, probed field by field in assertions
type WireJson = any;

async function post(
  url: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; json: WireJson; headers: Headers }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : JSON.parse(text), headers: response.headers };
}

describe("fake OpenAI", () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const generations = () => `${fake.baseURL}/images/generations`;
  const auth = () => ({ authorization: `Bearer ${fake.apiKey}` });

  it("answers a missing or wrong key with OpenAI's 401", async () => {
    const missing = await post(generations(), { model: "dall-e-3", prompt: "x" }, {});
    const wrong = await post(
      generations(),
      { model: "dall-e-3", prompt: "x" },
      { authorization: "Bearer sk-wrong-key-123456" },
    );

    expect(missing.status).toBe(401);
    expect(missing.json.error).toMatchObject({ type: "invalid_request_error", code: null });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key", param: null });
    expect(wrong.json.error.message).not.toContain("sk-wrong-key-123456");
    expect(fake.requests).toHaveLength(2);
  });

  it("returns gpt-image responses with b64_json, usage and metadata as OpenAI does", async () => {
    const { status, json } = await post(
      generations(),
      { model: "gpt-image-1", prompt: "abcdefgh", n: 2, size: "1024x1536", quality: "low" },
      auth(),
    );

    expect(status).toBe(200);
    expect(Object.keys(json).sort()).toEqual([
      "background",
      "created",
      "data",
      "output_format",
      "quality",
      "size",
      "usage",
    ]);
    expect(json.usage).toEqual({
      total_tokens: 2 + 2 * 408,
      input_tokens: 2,
      output_tokens: 2 * 408,
      input_tokens_details: { text_tokens: 2, image_tokens: 0 },
    });
    expect(json.data).toHaveLength(2);
    expect(pngSize(Buffer.from(json.data[0].b64_json, "base64"))).toEqual({ width: 1024, height: 1536 });
    expect(json.data[0]).not.toHaveProperty("revised_prompt");
  });

  it("returns dall-e-3 responses with revised_prompt and no usage", async () => {
    const { json } = await post(
      generations(),
      { model: "dall-e-3", prompt: "a cat", response_format: "b64_json" },
      auth(),
    );

    expect(Object.keys(json).sort()).toEqual(["created", "data"]);
    expect(Object.keys(json.data[0]).sort()).toEqual(["b64_json", "revised_prompt"]);
  });

  it.each([
    [{ model: "gpt-image-1", prompt: "x", response_format: "b64_json" }, "response_format"],
    [{ model: "gpt-image-1", prompt: "x", style: "vivid" }, "style"],
    [{ model: "dall-e-3", prompt: "x", n: 2 }, "n"],
    [{ model: "dall-e-3", prompt: "x", size: "512x512" }, "size"],
    [{ model: "dall-e-2", prompt: "x", quality: "hd" }, "quality"],
    [{ model: "dall-e-2", prompt: "x", moderation: "low" }, "moderation"],
    [{ model: "dall-e-9", prompt: "x" }, "model"],
    [{ model: "gpt-image-2", prompt: "x", response_format: "b64_json" }, "response_format"],
    [{ model: "gpt-image-2.5-flare", prompt: "x", style: "natural" }, "style"],
    [{ model: "gpt-image-2", prompt: "x", quality: "hd" }, "quality"],
    [{ model: "gpt-image-2", prompt: "x", n: 11 }, "n"],
    [{ model: "gpt-image-2", prompt: "x".repeat(32_001) }, "prompt"],
    [{ model: "gpt-image-2", prompt: "x", output_format: "gif" }, "output_format"],
    [{ model: "gpt-image-2", prompt: "x", output_format: "jpeg", output_compression: 101 }, "output_compression"],
    [{ model: "gpt-image-2", prompt: "x", output_format: "webp", output_compression: 50.5 }, "output_compression"],
    [{ model: "gpt-image-2", prompt: "x", output_format: "png", output_compression: 50 }, "output_compression"],
    [{ model: "gpt-image-2", prompt: "x", output_compression: 50 }, "output_compression"],
    [{ model: "gpt-image-2", prompt: "x", output_format: "jpeg", background: "transparent" }, "background"],
    [{ model: "gpt-image-2", prompt: "x", background: "none" }, "background"],
    [{ model: "dall-e-3", prompt: "x", stream: true }, "stream"],
    [{ model: "gpt-image-2.6-sunburst", prompt: "x", stream: "yes" }, "stream"],
    [{ model: "gpt-image-2", prompt: "x", stream: true, partial_images: 4 }, "partial_images"],
    [{ model: "dall-e-2", prompt: "x", partial_images: 1 }, "partial_images"],
    [{ model: "gpt-image-1", prompt: "x", size: "2048x1024" }, "size"],
    [{ model: "gpt-image-1", prompt: "x", output_format: "png" }, "output_format"],
    [{ model: "gpt-image-1-mini", prompt: "x", output_compression: 50 }, "output_compression"],
    [{ model: "gpt-image-1", prompt: "x", background: "opaque" }, "background"],
    [{ model: "dall-e-3", prompt: "x", output_format: "png" }, "output_format"],
  ])("rejects what OpenAI rejects: %j (param %s)", async (body, param) => {
    const { status, json } = await post(generations(), body, auth());

    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param });
  });

  it("serves every OpenAI model of the catalog by its upstream id, retired ones included", async () => {
    expect(fakeOpenAIModels().sort()).toEqual([
      "dall-e-2",
      "dall-e-3",
      "gpt-image-1",
      "gpt-image-1-mini",
      "gpt-image-2",
      "gpt-image-2.5-flare",
      "gpt-image-2.5-sunburst",
      "gpt-image-2.6-flare",
      "gpt-image-2.6-sunburst",
    ]);
    for (const model of fakeOpenAIModels()) {
      const { status } = await post(generations(), { model, prompt: "x", size: "1024x1024" }, auth());
      expect([model, status]).toEqual([model, 200]);
    }
    expect((await post(generations(), { model: "stable-diffusion-xl-1024-v1-0", prompt: "x" }, auth())).status).toBe(
      400,
    );
  });

  it("answers gpt-image-2 in base64 only, in the requested format, with what it made and its usage", async () => {
    const { status, json } = await post(
      generations(),
      {
        model: "gpt-image-2",
        prompt: "abcdefgh",
        n: 2,
        size: "2048x1024",
        quality: "high",
        output_format: "webp",
        output_compression: 40,
        background: "transparent",
      },
      auth(),
    );

    expect(status).toBe(200);
    expect(json).toEqual({
      created: expect.any(Number),
      background: "transparent",
      data: [{ b64_json: expect.any(String) }, { b64_json: expect.any(String) }],
      output_format: "webp",
      quality: "high",
      size: "2048x1024",
      usage: {
        total_tokens: 2 + 2 * 8320,
        input_tokens: 2,
        output_tokens: 2 * 8320,
        input_tokens_details: { text_tokens: 2, image_tokens: 0 },
      },
    });
    const image = imageInfo(Buffer.from(json.data[0].b64_json, "base64"));
    expect(image).toEqual({ format: "webp", width: 2048, height: 1024 });
  });

  it("answers JPEG for output_format jpeg, and resolves auto size, quality and background", async () => {
    const { json } = await post(
      generations(),
      { model: "gpt-image-2.6-flare", prompt: "x", size: "auto", quality: "auto", output_format: "jpeg" },
      auth(),
    );

    expect(json).toMatchObject({ background: "opaque", output_format: "jpeg", quality: "medium", size: "1024x1024" });
    expect(json.usage.output_tokens).toBe(1056);
    expect(imageInfo(Buffer.from(json.data[0].b64_json, "base64"))).toEqual({
      format: "jpeg",
      width: 1024,
      height: 1024,
    });
  });

  it("counts output tokens from gpt-image-1's table, other sizes scaled by area and rounded up", () => {
    expect(defaultOutputTokens("low", "1024x1536", 1)).toBe(408);
    expect(defaultOutputTokens("high", "1536x1024", 2)).toBe(2 * 6208);
    expect(defaultOutputTokens("high", "2048x2048", 1)).toBe(4 * 4160);
    expect(defaultOutputTokens("low", "1920x1088", 2)).toBe(2 * 542); // 272 * 1.9921875 = 541.875
    expect(defaultOutputTokens("auto", "auto", 1)).toBe(1056);
  });

  const customSizeModels = Object.values(CATALOG)
    .filter((spec) => spec.provider === "openai" && spec.customSizes !== null)
    .map((spec) => spec.upstreamId);

  it("knows which models take custom sizes", () => {
    expect(customSizeModels).toHaveLength(5);
    expect(customSizeModels).not.toContain("gpt-image-1");
  });

  it.each(customSizeModels)("accepts %s sizes at each custom limit", async (model) => {
    // 3072x1024: ratio 3; 2880x2880: 8,294,400 pixels; 3840x1296: the long side. WebP keeps large images cheap.
    for (const size of ["auto", "2048x1024", "16x48", "3072x1024", "2880x2880", "3840x1296", "2160x3840"]) {
      const { status, json } = await post(generations(), { model, prompt: "x", size, output_format: "webp" }, auth());
      expect([size, status]).toEqual([size, 200]);
      expect(json.size).toBe(size === "auto" ? "1024x1024" : size);
    }
  });

  it.each(
    customSizeModels.flatMap((model) => [
      [model, "2048x1032", "multiples of 16"],
      [model, "3856x1296", "at most 3840"],
      [model, "3072x1008", "at most 3:1"],
      [model, "2896x2896", "at most 8294400 pixels"],
      [model, "0x1024", "multiples of 16"],
      [model, "1024x1024x1", "WIDTHxHEIGHT"],
    ]),
  )("refuses %s size %s (%s)", async (model, size, rule) => {
    const { status, json } = await post(generations(), { model, prompt: "x", size }, auth());

    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param: "size", code: "invalid_value" });
    expect(json.error.message).toContain(rule);
  });

  it.each([
    [{ model: "gpt-image-2", prompt: "x", output_format: "jpeg", output_compression: 0 }],
    [{ model: "gpt-image-2", prompt: "x", output_format: "webp", output_compression: 100, background: "transparent" }],
    [{ model: "gpt-image-2", prompt: "x", output_format: "png", background: "transparent", moderation: "low" }],
    [{ model: "gpt-image-2.5-sunburst", prompt: "x", output_format: "jpeg", background: "opaque", n: 10 }],
    [{ model: "gpt-image-2.6-sunburst", prompt: "x".repeat(32_000), quality: "high", background: "auto" }],
  ])("accepts what OpenAI accepts: %j", async (body) => {
    const { status } = await post(generations(), body, auth());

    expect(status).toBe(200);
  });

  it("scripts behaviours in order, then falls back to the default", async () => {
    fake.script("contentPolicy", { kind: "error", status: 503 });
    const body = { model: "dall-e-2", prompt: "x" };

    const first = await post(generations(), body, auth());
    const second = await post(generations(), body, auth());
    const third = await post(generations(), body, auth());

    expect(first.status).toBe(400);
    expect(first.json).toEqual({
      error: {
        message: expect.any(String),
        type: "invalid_request_error",
        param: null,
        code: "content_policy_violation",
      },
    });
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after-ms")).toBe("5");
    expect(third.status).toBe(200);
    expect(fake.pendingScript()).toBe(0);
  });

  it("works with the real SDK and closes promptly with a request still hanging", async () => {
    const other = await startFakeOpenAI({ apiKey: "sk-other" });
    other.setDefault("hang");
    const client = new OpenAI({ apiKey: "sk-other", baseURL: other.baseURL, maxRetries: 0, timeout: 10_000 });
    const pending = client.images.generate({ model: "dall-e-3", prompt: "x" }).catch((error: unknown) => error);
    while (other.generationRequests().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const startedAt = Date.now();

    await other.close();

    // Promptly: well inside the client's 10 s timeout, which a close that waited for the request would reach.
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe("fake Stability", () => {
  it("speaks v1 text-to-image: artifacts, errors {id,name,message}, raw PNG for Accept image/png", async () => {
    const fake = await startFakeStability();
    const url = `${fake.baseURL}/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image`;
    const body = {
      text_prompts: [{ text: "x", weight: 1 }],
      width: 1152,
      height: 896,
      samples: 1,
      steps: 30,
      cfg_scale: 7,
    };
    const auth = { authorization: `Bearer ${fake.apiKey}`, accept: "application/json" };
    try {
      const ok = await post(url, body, auth);
      expect(ok.status).toBe(200);
      expect(Object.keys(ok.json.artifacts[0]).sort()).toEqual(["base64", "finishReason", "seed"]);
      expect(pngSize(Buffer.from(ok.json.artifacts[0].base64, "base64"))).toEqual({ width: 1152, height: 896 });

      const unauthorized = await post(url, body, { accept: "application/json" });
      expect(unauthorized.status).toBe(401);
      expect(Object.keys(unauthorized.json).sort()).toEqual(["id", "message", "name"]);

      const badSize = await post(url, { ...body, width: 1000 }, auth);
      expect(badSize.json.name).toBe("invalid_sdxl_v1_dimensions");

      fake.script("invalidPrompts", "rateLimit");
      expect((await post(url, body, auth)).json.name).toBe("invalid_prompts");
      const limited = await post(url, body, auth);
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("0");

      const png = await fetch(url, {
        method: "POST",
        headers: { ...auth, accept: "image/png" },
        body: JSON.stringify(body),
      });
      expect(png.headers.get("finish-reason")).toBe("SUCCESS");
      expect(pngSize(Buffer.from(await png.arrayBuffer()))).toEqual({ width: 1152, height: 896 });
    } finally {
      await fake.close();
    }
  });
});
