import { defaultOutputTokens, defaultTextTokens } from "../fakes/openai-fake-rules";
import { pngSize, pngSizeOfBase64 } from "../fakes/png";
import { GenerateImageDocument, type GenerateImageInput, LedgerDocument } from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf } from "../support/graphql-client";

let env: TestEnvironment;
beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(() => env.close());
beforeEach(() => {
  env.openai.reset();
  env.stability.reset();
});

async function generate(input: GenerateImageInput, credits = "10") {
  const user = await env.server.createUser("MEMBER", credits);
  const response = await env.server.graphql(GenerateImageDocument, { input }, user.apiKey);
  return { user, generation: dataOf(response).generateImage };
}

async function fetchImage(url: string) {
  const response = await fetch(url);
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

describe("generateImage, per-image models", () => {
  it.each([
    ["DALL_E_2", "SIZE_256X256", "STANDARD", 1, "0.016000", 256, 256],
    ["DALL_E_2", "SIZE_512X512", "STANDARD", 3, "0.054000", 512, 512],
    ["DALL_E_2", "SIZE_1024X1024", "STANDARD", 2, "0.040000", 1024, 1024],
    ["DALL_E_3", "SIZE_1024X1024", "STANDARD", 1, "0.040000", 1024, 1024],
    ["DALL_E_3", "SIZE_1792X1024", "STANDARD", 1, "0.080000", 1792, 1024],
    ["DALL_E_3", "SIZE_1024X1792", "HD", 1, "0.120000", 1024, 1792],
    ["DALL_E_3", "SIZE_1024X1024", "HD", 1, "0.080000", 1024, 1024],
  ] as const)("%s %s %s n=%i costs %s", async (model, size, quality, n, cost, width, height) => {
    const { user, generation } = await generate({ prompt: "a lighthouse at dusk", model, size, quality, n });
    expect(generation).toMatchObject({ status: "SUCCEEDED", provider: "openai", model, size, quality, n, cost });
    expect(generation.images).toHaveLength(n);

    const [wire] = env.openai.generationRequests();
    expect(wire!.body).toMatchObject({
      model: model === "DALL_E_2" ? "dall-e-2" : "dall-e-3",
      size: `${width}x${height}`,
      n,
      response_format: "b64_json",
    });
    expect((wire!.body as { user: string }).user).toMatch(/^[0-9a-f]{32}$/);
    expect((wire!.body as { user: string }).user).not.toContain(user.userId);

    for (const image of generation.images) {
      expect(image).toMatchObject({ width, height });
      expect(image.url!.startsWith(`${env.server.url}/images/`)).toBe(true);
      const served = await fetchImage(image.url!);
      expect(served.status).toBe(200);
      expect(served.type).toBe("image/png");
      expect(pngSize(served.bytes)).toEqual({ width, height });
    }
    const account = await accountOf(env.server, user.userId);
    const costMicros = BigInt(cost.replace(".", ""));
    expect(account).toEqual({ balanceMicros: 10_000_000n - costMicros, reservedMicros: 0n, openHolds: 0 });
  });

  it("DALL-E 3 passes style and reports the revised prompt", async () => {
    const { generation } = await generate({ prompt: "a fox", model: "DALL_E_3", style: "NATURAL", quality: "HD" });
    expect(generation.style).toBe("NATURAL");
    expect(env.openai.generationRequests()[0]!.body).toMatchObject({ style: "natural", quality: "hd" });
    expect(generation.images[0]!.revisedPrompt).toEqual(expect.any(String));
  });

  it("DALL-E 3 defaults to VIVID and STANDARD", async () => {
    const { generation } = await generate({ prompt: "a fox", model: "DALL_E_3" });
    expect(generation).toMatchObject({ style: "VIVID", quality: "STANDARD" });
    expect(env.openai.generationRequests()[0]!.body).toMatchObject({ style: "vivid", quality: "standard" });
  });

  it("uses DEFAULT_IMAGE_MODEL (DALL_E_3) when no model is named", async () => {
    const { generation } = await generate({ prompt: "a fox" });
    expect(generation.model).toBe("DALL_E_3");
  });

  it("returns base64 when asked, the same bytes as the stored image", async () => {
    const { generation } = await generate({
      prompt: "a fox",
      model: "DALL_E_2",
      size: "SIZE_256X256",
      responseFormat: "B64_JSON",
    });
    const image = generation.images[0]!;
    expect(pngSizeOfBase64(image.b64Json!)).toEqual({ width: 256, height: 256 });
    const served = await fetchImage(image.url!);
    expect(served.bytes.toString("base64")).toBe(image.b64Json);
  });

  it("leaves b64Json empty for URL responses", async () => {
    const { generation } = await generate({ prompt: "a fox", model: "DALL_E_2", size: "SIZE_256X256" });
    expect(generation.images[0]!.b64Json).toBeNull();
  });

  it("STABLE_DIFFUSION_XL goes to Stability's v1 text-to-image endpoint", async () => {
    const { generation } = await generate({ prompt: "a red kite", model: "STABLE_DIFFUSION_XL", n: 2 });
    expect(generation).toMatchObject({
      status: "SUCCEEDED",
      provider: "stability",
      cost: "0.012000",
      quality: "STANDARD",
    });
    const [wire] = env.stability.generationRequests();
    expect(wire!.path).toBe("/v1/generation/stable-diffusion-xl-1024-v1-0/text-to-image");
    expect(wire!.body).toMatchObject({ width: 1024, height: 1024, samples: 2 });
    const served = await fetchImage(generation.images[1]!.url!);
    expect(pngSize(served.bytes)).toEqual({ width: 1024, height: 1024 });
  });
});

describe("generateImage, token-billed GPT image models", () => {
  // gpt-image-1: text input $5/M tokens, image output $40/M; mini: $2/M and $8/M. Rounded up to the micro-dollar.
  it.each([
    ["GPT_IMAGE_1", "gpt-image-1", "LOW", "SIZE_1024X1024", 5n, 40n, "0.011000"],
    ["GPT_IMAGE_1", "gpt-image-1", "HIGH", "SIZE_1536X1024", 5n, 40n, "0.250000"],
    ["GPT_IMAGE_1_MINI", "gpt-image-1-mini", "MEDIUM", "SIZE_1024X1536", 2n, 8n, "0.015000"],
  ] as const)("%s %s %s settles from usage", async (model, wireModel, quality, size, textRate, outputRate, held) => {
    const prompt = "an isometric city, soft light";
    const n = 2;
    const { user, generation } = await generate({ prompt, model, quality, size, n });
    const wire = env.openai.generationRequests()[0]!;
    expect(wire.body).toMatchObject({ model: wireModel, quality: quality.toLowerCase(), n });
    expect(wire.body).not.toHaveProperty("response_format");
    expect(wire.body).not.toHaveProperty("style");

    const dimensions = size.replace("SIZE_", "").toLowerCase();
    const outputTokens = BigInt(defaultOutputTokens(quality.toLowerCase(), dimensions, n));
    const textTokens = BigInt(defaultTextTokens(prompt));
    const usageMicros = textTokens * textRate + outputTokens * outputRate; // micros per token = $ per million
    // The table price per image, and the prompt's text once: its UTF-8 bytes at the text rate.
    const heldMicros = BigInt(held.replace(".", "")) * BigInt(n) + BigInt(Buffer.byteLength(prompt)) * textRate;
    const expected = usageMicros < heldMicros ? usageMicros : heldMicros;
    expect(BigInt(generation.cost.replace(".", ""))).toBe(expected);
    expect(expected).toBeGreaterThan(0n);

    const stored = await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id: generation.id } });
    expect(stored).toMatchObject({
      inputTextTokens: Number(textTokens),
      outputTokens: Number(outputTokens),
      holdMicros: heldMicros,
    });
    const account = await accountOf(env.server, user.userId);
    expect(account).toEqual({ balanceMicros: 10_000_000n - expected, reservedMicros: 0n, openHolds: 0 });
  });

  it("charges exact usage below the held table price", async () => {
    env.openai.script({ kind: "ok", usage: { textTokens: 10, outputTokens: 200 } });
    const { generation } = await generate({ prompt: "a cat", model: "GPT_IMAGE_1", quality: "LOW" });
    // 10 x 5 + 200 x 40 = 8050 micro-dollars, below the 11000 held.
    expect(generation.cost).toBe("0.008050");
  });

  it("never charges more than was held, even if usage says more", async () => {
    env.openai.script({ kind: "ok", usage: { textTokens: 100_000, outputTokens: 100_000 } });
    const { generation } = await generate({ prompt: "a cat", model: "GPT_IMAGE_1_MINI", quality: "LOW" });
    expect(generation.cost).toBe("0.005010"); // 0.005 per image and 5 prompt bytes at $2 per million
  });

  it("charges the table price when the provider reports no usage", async () => {
    env.openai.script({ kind: "ok", usage: null });
    const { generation } = await generate({ prompt: "a cat", model: "GPT_IMAGE_1", quality: "MEDIUM" });
    expect(generation.cost).toBe("0.042025"); // 0.042 per image and 5 prompt bytes at $5 per million
  });

  it("passes the moderation level", async () => {
    await generate({ prompt: "a cat", model: "GPT_IMAGE_1", moderation: "LOW" });
    expect(env.openai.generationRequests()[0]!.body).toMatchObject({ moderation: "low" });
  });

  it("records the charge in the ledger against the generation", async () => {
    const { user, generation } = await generate({ prompt: "a cat", model: "GPT_IMAGE_1" });
    const ledger = dataOf(await env.server.graphql(LedgerDocument, {}, user.apiKey)).ledger;
    const [charge, grant] = ledger.edges.map((edge) => edge.node);
    expect(grant).toMatchObject({ kind: "GRANT", amount: "10.000000", balanceAfter: "10.000000" });
    expect(charge).toMatchObject({ kind: "CHARGE", generation: { id: generation.id, cost: generation.cost } });
    expect(charge!.amount).toBe(`-${generation.cost}`);
  });
});
