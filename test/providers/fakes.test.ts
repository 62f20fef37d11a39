import OpenAI from "openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
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
  ])("rejects what OpenAI rejects: %j (param %s)", async (body, param) => {
    const { status, json } = await post(generations(), body, auth());

    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param });
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

    expect(Date.now() - startedAt).toBeLessThan(500);
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
