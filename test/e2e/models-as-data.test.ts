import { CATALOG } from "../../src/domain/catalog";
import type { ImageModel } from "../../src/domain/enums";
import { verifyLedger } from "../../src/domain/ledger/verify-ledger";
import { defaultOutputTokens, defaultTextTokens } from "../fakes/openai-fake-rules";
import {
  GenerateImageDocument,
  type GenerateImageInput,
  ModelStatesDocument,
  SetModelRouteDocument,
  SetTokenPriceDocument,
  TokenPricesDocument,
} from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";
import { startTestServer } from "../support/test-server";
import { pngSize } from "../fakes/png";

// Issue 14: today's models (the gpt-image-2 family), their parameters, retirements and routes, token prices as data.

let env: TestEnvironment;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  env = await startEnvironment();
  admin = await env.server.createUser("ADMIN");
});
afterAll(() => env.close());
beforeEach(async () => {
  env.openai.reset();
  env.server.setClock(null);
  // The template enables the retired models as themselves (test/global-setup.ts): this suite starts from none.
  await env.server.db.modelRoute.deleteMany();
  env.server.app.services.models.forget();
});

async function generate(input: GenerateImageInput, credits = "10") {
  const user = await env.server.createUser("MEMBER", credits);
  const response = await env.server.graphql(GenerateImageDocument, { input }, user.apiKey);
  return { user, response };
}

/** The charge of gpt-image-2's usage at its published rates ($5 text in, $30 out per million), rounded up. */
function tokenCostMicros(textTokens: number, outputTokens: number, outputPerMillion = 30n): bigint {
  const scaled = BigInt(textTokens) * 5_000_000n + BigInt(outputTokens) * outputPerMillion * 1_000_000n;
  return (scaled + 999_999n) / 1_000_000n;
}

const money = (micros: bigint) => `${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, "0")}`;

async function generationsOf(userId: string) {
  return env.server.db.imageGeneration.count({ where: { userId } });
}

describe("the gpt-image-2 family", () => {
  const family = Object.values(CATALOG).filter((spec) => spec.customSizes !== null);

  it.each(family.map((spec) => [spec.model, spec.upstreamId] as const))(
    "%s reaches %s, answers base64 and is charged its reported tokens",
    async (model, upstreamId) => {
      const prompt = "a lighthouse at dusk";
      const { user, response } = await generate({ prompt, model, quality: "MEDIUM" });
      const generation = dataOf(response).generateImage;

      const [wire] = env.openai.generationRequests();
      expect(wire!.body).toMatchObject({ model: upstreamId, size: "1024x1024", quality: "medium" });
      expect(wire!.body).not.toHaveProperty("response_format");
      const outputTokens = defaultOutputTokens("medium", "1024x1024", 1);
      const cost = tokenCostMicros(defaultTextTokens(prompt), outputTokens);
      expect(generation).toMatchObject({ status: "SUCCEEDED", model, servedModel: model, cost: money(cost) });
      expect(generation.usage).toEqual({
        textInputTokens: defaultTextTokens(prompt),
        imageInputTokens: 0,
        outputTokens,
      });
      expect(generation.shortfall).toBe("0.000000");
      expect(await accountOf(env.server, user.userId)).toEqual({
        balanceMicros: 10_000_000n - cost,
        reservedMicros: 0n,
        openHolds: 0,
      });
    },
  );

  it("sends output format, compression and background, and stores the image as what it is", async () => {
    const { response } = await generate({
      prompt: "a product shot",
      model: "GPT_IMAGE_2",
      outputFormat: "WEBP",
      outputCompression: 60,
      background: "TRANSPARENT",
    });
    const generation = dataOf(response).generateImage;
    expect(env.openai.generationRequests()[0]!.body).toMatchObject({
      output_format: "webp",
      output_compression: 60,
      background: "transparent",
    });
    const url = generation.images[0]!.url!;
    expect(url).toMatch(/\/0\.webp$/);
    const served = await fetch(url);
    expect(served.headers.get("content-type")).toBe("image/webp");
  });

  it("takes a custom size, holds the 1024x1024 price scaled by its area, and records it", async () => {
    const { response } = await generate({ prompt: "a banner", model: "GPT_IMAGE_2", width: 2048, height: 1024 });
    const generation = dataOf(response).generateImage;
    expect(generation).toMatchObject({ size: "CUSTOM", width: 2048, height: 1024 });
    expect(env.openai.generationRequests()[0]!.body).toMatchObject({ size: "2048x1024" });
    const stored = await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id: generation.id } });
    // LOW 1024x1024 holds 0.015880 per image, twice the pixels twice that, plus the prompt's 8 bytes at $5/M.
    expect(stored.holdMicros).toBe(31_760n + 40n);
  });

  it.each([
    [{ width: 3840, height: 2160 }, "the most pixels"],
    [{ width: 3840, height: 1280 }, "a 3:1 ratio"],
    [{ width: 16, height: 16 }, "the smallest multiple of 16, held as 1024x1024"],
  ])("accepts %o (%s)", async (size) => {
    const { response } = await generate({ prompt: "x", model: "GPT_IMAGE_2", ...size });
    expect(dataOf(response).generateImage).toMatchObject({ status: "SUCCEEDED", ...size });
  });

  it.each([
    [{ width: 1000, height: 1024 }, "input.width"],
    [{ width: 1024, height: 1000 }, "input.height"],
    [{ width: 3856, height: 2160 }, "input.width"],
    [{ width: 1024, height: 4096 }, "input.height"],
    [{ width: 3840, height: 1264 }, "input.width"],
    [{ width: 3840, height: 2176 }, "input.width"],
    [{ width: 1024 }, "input.height"],
    [{ width: 1024, height: 1024, size: "SIZE_1536X1024" as const }, "input.size"],
    [{ size: "CUSTOM" as const }, "input.size"],
    [{ width: 1024, height: 1024, model: "STABLE_DIFFUSION_XL" as const }, "input.width"],
    [{ outputFormat: "JPEG" as const, background: "TRANSPARENT" as const }, "input.background"],
    [{ outputCompression: 50 }, "input.outputCompression"],
    [{ outputFormat: "JPEG" as const, outputCompression: 101 }, "input.outputCompression"],
    [{ outputFormat: "PNG" as const, model: "STABLE_DIFFUSION_XL" as const }, "input.outputFormat"],
  ])("refuses %o naming %s, before anything is held or sent", async (fields, field) => {
    const { user, response } = await generate({ prompt: "x", model: "GPT_IMAGE_2", ...fields });
    expect(errorOf(response).extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(env.openai.generationRequests()).toHaveLength(0);
    expect(await generationsOf(user.userId)).toBe(0);
  });
});

describe("retirement and routes", () => {
  it("refuses a shut-down model with MODEL_RETIRED, its date and replacement, holding and sending nothing", async () => {
    const { user, response } = await generate({ prompt: "x", model: "DALL_E_3" });
    expect(errorOf(response).extensions).toMatchObject({
      code: "MODEL_RETIRED",
      model: "DALL_E_3",
      shutdownDate: "2026-05-12",
      replacement: "GPT_IMAGE_2_5_SUNBURST",
    });
    expect(env.openai.generationRequests()).toHaveLength(0);
    expect(await generationsOf(user.userId)).toBe(0);
    expect(await accountOf(env.server, user.userId)).toMatchObject({ balanceMicros: 10_000_000n, reservedMicros: 0n });
  });

  it("lists each model's status, date, replacement and route", async () => {
    const models = dataOf(await env.server.graphql(ModelStatesDocument, {}, admin.apiKey)).models;
    expect(models.find((model) => model.model === "GPT_IMAGE_1_MINI")).toMatchObject({
      status: "SHUT_DOWN",
      shutdownDate: "2026-12-01T00:00:00.000Z",
      replacement: "GPT_IMAGE_2_6_SUNBURST",
      enabled: false,
      servedBy: null,
    });
    expect(models.find((model) => model.model === "GPT_IMAGE_2")).toMatchObject({
      status: "ACTIVE",
      shutdownDate: null,
      enabled: true,
      customSizes: true,
      outputFormats: ["PNG", "JPEG", "WEBP"],
    });
  });

  it("routes a retired model to its replacement: mapped, priced, held and charged as the replacement, audited", async () => {
    const routed = await env.server.graphql(
      SetModelRouteDocument,
      { model: "DALL_E_3", servedBy: "GPT_IMAGE_2", enabled: true },
      admin.apiKey,
    );
    expect(dataOf(routed).setModelRoute).toMatchObject({ model: "DALL_E_3", servedBy: "GPT_IMAGE_2", enabled: true });

    const prompt = "a fox in the snow";
    const { response } = await generate({
      prompt,
      model: "DALL_E_3",
      size: "SIZE_1792X1024",
      quality: "HD",
      style: "VIVID",
    });
    const generation = dataOf(response).generateImage;
    expect(generation).toMatchObject({
      model: "DALL_E_3",
      servedModel: "GPT_IMAGE_2",
      size: "SIZE_2048X1152",
      quality: "HIGH",
      style: null,
    });
    expect(env.openai.generationRequests()[0]!.body).toMatchObject({ model: "gpt-image-2", size: "2048x1152" });
    const outputTokens = defaultOutputTokens("high", "2048x1152", 1);
    expect(generation.cost).toBe(money(tokenCostMicros(defaultTextTokens(prompt), outputTokens)));
    const stored = await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id: generation.id } });
    const price = await env.server.db.price.findUniqueOrThrow({ where: { id: stored.priceId } });
    expect(price).toMatchObject({ model: "GPT_IMAGE_2", size: "SIZE_2048X1152", quality: "HIGH" });

    const audit = await env.server.db.auditLogEntry.findFirstOrThrow({ where: { action: "setModelRoute" } });
    expect(audit).toMatchObject({ actorId: admin.userId, targetType: "Model", targetId: "DALL_E_3" });
  });

  it("enables a retired model as itself, for an upstream that still serves it", async () => {
    await env.server.graphql(SetModelRouteDocument, { model: "GPT_IMAGE_1", enabled: true }, admin.apiKey);
    const { response } = await generate({ prompt: "x", model: "GPT_IMAGE_1" });
    expect(dataOf(response).generateImage).toMatchObject({ model: "GPT_IMAGE_1", servedModel: "GPT_IMAGE_1" });
    expect(env.openai.generationRequests()[0]!.body).toMatchObject({ model: "gpt-image-1" });
  });

  it("disables an active model, and refuses routes that chain or point nowhere", async () => {
    await env.server.graphql(SetModelRouteDocument, { model: "GPT_IMAGE_2_5_FLARE", enabled: false }, admin.apiKey);
    const { response } = await generate({ prompt: "x", model: "GPT_IMAGE_2_5_FLARE" });
    expect(errorOf(response).extensions).toMatchObject({ code: "MODEL_RETIRED", model: "GPT_IMAGE_2_5_FLARE" });

    const toRetired = await env.server.graphql(
      SetModelRouteDocument,
      { model: "DALL_E_2", servedBy: "DALL_E_3", enabled: true },
      admin.apiKey,
    );
    expect(errorOf(toRetired).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "servedBy" });
    const member = await env.server.createUser("MEMBER");
    const byMember = await env.server.graphql(
      SetModelRouteDocument,
      { model: "DALL_E_2", enabled: true },
      member.apiKey,
    );
    expect(errorOf(byMember).code).toBe("FORBIDDEN");
  });
});

describe("routes and what was asked before them", () => {
  const route = (model: ImageModel, servedBy: ImageModel | null, enabled = true) =>
    env.server.graphql(SetModelRouteDocument, { model, servedBy, enabled }, admin.apiKey);

  it("answers an idempotent retry with its first outcome after its route changed, or was removed", async () => {
    dataOf(await route("DALL_E_3", "GPT_IMAGE_2"));
    const user = await env.server.createUser("MEMBER", "10");
    const input = { prompt: "a harbour", model: "DALL_E_3" as const, quality: "HD" as const, idempotencyKey: "k-1" };
    const first = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage;
    expect(first.servedModel).toBe("GPT_IMAGE_2");

    dataOf(await route("DALL_E_3", null, false));
    const retry = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage;
    expect(retry).toMatchObject({ id: first.id, servedModel: "GPT_IMAGE_2", cost: first.cost });
    expect(env.openai.generationRequests()).toHaveLength(1);
  });

  it("routes the default model when a request names none", async () => {
    dataOf(await route("DALL_E_3", "GPT_IMAGE_2_6_SUNBURST")); // DALL_E_3 is this test server's default
    const { response } = await generate({ prompt: "a default" });
    expect(dataOf(response).generateImage).toMatchObject({ model: "DALL_E_3", servedModel: "GPT_IMAGE_2_6_SUNBURST" });
  });

  it("refuses a route that would chain, either way round", async () => {
    dataOf(await route("DALL_E_2", "GPT_IMAGE_2"));
    expect(errorOf(await route("DALL_E_3", "DALL_E_2")).extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "servedBy",
    });
    expect(errorOf(await route("GPT_IMAGE_2", "GPT_IMAGE_2_5_FLARE")).extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "model",
    });
    expect(errorOf(await route("GPT_IMAGE_2", null, false)).extensions).toMatchObject({ field: "model" });
  });

  it("holds a token-billed prompt's text beside its images: its UTF-8 bytes at the text rate", async () => {
    const prompt = "あ".repeat(1_000); // 3,000 bytes: at most 3,000 tokens at $5 per million = 0.015000
    const { user, response } = await generate({ prompt, model: "GPT_IMAGE_2" }, "0.02");
    expect(errorOf(response).extensions).toMatchObject({ code: "INSUFFICIENT_CREDITS", required: "0.030880" });
    expect(await generationsOf(user.userId)).toBe(0);
  });
});

describe("token prices as data", () => {
  it("applies a token price change from its effectiveFrom, and shows it in tokenPrices", async () => {
    const from = new Date(Date.now() + 3_600_000);
    const set = await env.server.graphql(
      SetTokenPriceDocument,
      {
        model: "GPT_IMAGE_2_6_FLARE",
        textInputPerMillion: "5.000000",
        imageInputPerMillion: "8.000000",
        imageOutputPerMillion: "45.000000",
        effectiveFrom: from.toISOString(),
      },
      admin.apiKey,
    );
    expect(dataOf(set).setTokenPrice).toMatchObject({
      imageOutputPerMillion: "45.000000",
      cachedTextInputPerMillion: "1.250000",
    });

    const prompt = "a teapot";
    const outputTokens = defaultOutputTokens("low", "1024x1024", 1);
    const before = dataOf((await generate({ prompt, model: "GPT_IMAGE_2_6_FLARE" })).response).generateImage;
    expect(before.cost).toBe(money(tokenCostMicros(defaultTextTokens(prompt), outputTokens, 30n)));

    env.server.setClock(new Date(from.getTime() + 1_000));
    const after = dataOf((await generate({ prompt, model: "GPT_IMAGE_2_6_FLARE" })).response).generateImage;
    expect(after.cost).toBe(money(tokenCostMicros(defaultTextTokens(prompt), outputTokens, 45n)));
    const prices = dataOf(await env.server.graphql(TokenPricesDocument, {}, admin.apiKey)).tokenPrices;
    expect(prices.find((price) => price.model === "GPT_IMAGE_2_6_FLARE")?.imageOutputPerMillion).toBe("45.000000");
    expect(await env.server.db.auditLogEntry.count({ where: { action: "setTokenPrice" } })).toBe(1);
  });

  it("refuses token prices for a per-image model", async () => {
    const response = await env.server.graphql(
      SetTokenPriceDocument,
      {
        model: "STABLE_DIFFUSION_XL",
        textInputPerMillion: "1.000000",
        imageInputPerMillion: "1.000000",
        imageOutputPerMillion: "1.000000",
      },
      admin.apiKey,
    );
    expect(errorOf(response).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "model" });
  });
});

describe("usage against the hold", () => {
  it("charges the hold when the usage costs more, and records the shortfall for finance", async () => {
    const shortfallsBefore = (await verifyLedger(env.server.db)).shortfalls;
    env.openai.script({ kind: "ok", usage: { textTokens: 1_000, outputTokens: 100_000 } });
    const { user, response } = await generate({ prompt: "x", model: "GPT_IMAGE_2" });
    const generation = dataOf(response).generateImage;
    const usageMicros = tokenCostMicros(1_000, 100_000);
    const heldMicros = 15_880n + 5n; // LOW 1024x1024, and the 1-byte prompt's text
    expect(generation.cost).toBe(money(heldMicros));
    expect(generation.shortfall).toBe(money(usageMicros - heldMicros));
    expect(await accountOf(env.server, user.userId)).toMatchObject({ balanceMicros: 10_000_000n - heldMicros });
    const report = await verifyLedger(env.server.db);
    expect(report.ok).toBe(true);
    expect(report.shortfalls.generations).toBe(shortfallsBefore.generations + 1);
    const totalMicros = (total: string) => BigInt(total.replace(".", ""));
    expect(totalMicros(report.shortfalls.total) - totalMicros(shortfallsBefore.total)).toBe(usageMicros - heldMicros);
  });

  it("answers absurd usage as the provider's error, charging nothing", async () => {
    env.openai.script({ kind: "ok", usage: { textTokens: 10, outputTokens: 3_000_000_000 } });
    const { user, response } = await generate({ prompt: "x", model: "GPT_IMAGE_2" });
    expect(errorOf(response).code).toBe("UPSTREAM_ERROR");
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 10_000_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
  });
});

describe("with nothing configured", () => {
  it("serves today's models from the local provider, custom sizes included, charging the hold", async () => {
    const server = await startTestServer({ DEFAULT_IMAGE_MODEL: "GPT_IMAGE_2" });
    try {
      const user = await server.createUser("MEMBER", "1");
      const input = { prompt: "a kite", width: 2048, height: 1024 };
      const generation = dataOf(await server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage;
      expect(generation).toMatchObject({
        status: "SUCCEEDED",
        provider: "local",
        model: "GPT_IMAGE_2",
        size: "CUSTOM",
        cost: "0.031790", // 2 x LOW 1024x1024, and the prompt's 6 bytes at $5 per million
        usage: null,
      });
      const served = Buffer.from(await (await fetch(generation.images[0]!.url!)).arrayBuffer());
      expect(pngSize(served)).toEqual({ width: 2048, height: 1024 });
    } finally {
      await server.close();
    }
  });
});
