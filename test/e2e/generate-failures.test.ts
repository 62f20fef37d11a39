import { GenerateImageDocument, GenerationDocument, type GenerateImageInput } from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { eventually } from "../support/eventually";
import { dataOf, errorOf } from "../support/graphql-client";

let env: TestEnvironment;
beforeAll(async () => {
  env = await startEnvironment({ PROVIDER_TIMEOUT_SECONDS: "1", PROVIDER_MAX_RETRIES: "2" });
});
afterAll(() => env.close());
beforeEach(() => {
  env.openai.reset();
  env.stability.reset();
});

const DALL_E_2: GenerateImageInput = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" };

async function expectUntouched(userId: string, credits = 1_000_000n) {
  expect(await accountOf(env.server, userId)).toEqual({ balanceMicros: credits, reservedMicros: 0n, openHolds: 0 });
  expect(await env.server.db.ledgerEntry.count({ where: { userId, kind: "CHARGE" } })).toBe(0);
}

describe("provider failures are never charged and leave nothing held", () => {
  it.each([
    ["a content-policy rejection", "contentPolicy", "CONTENT_POLICY_VIOLATION", "GPT_IMAGE_1"],
    ["a GPT image moderation block", "moderationBlocked", "CONTENT_POLICY_VIOLATION", "GPT_IMAGE_1"],
    ["an upstream 500 (after retries)", "serverError", "UPSTREAM_ERROR", "DALL_E_2"],
    ["a malformed provider response", "malformed", "UPSTREAM_ERROR", "DALL_E_2"],
    ["a provider that never answers (timeout)", "hang", "UPSTREAM_ERROR", "DALL_E_2"],
  ] as const)("%s", async (_name, behaviour, code, model) => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.setDefault(behaviour);
    const input: GenerateImageInput = model === "DALL_E_2" ? DALL_E_2 : { prompt: "a bridge", model };
    const error = errorOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey));
    expect(error.code).toBe(code);
    expect(JSON.stringify(error)).not.toMatch(/stack|sk-fake|at Object|SELECT/i);
    await expectUntouched(user.userId);

    const failed = await env.server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
    expect(failed).toMatchObject({ status: "FAILED", errorCode: code, costMicros: 0n });
    const hold = await env.server.db.hold.findUniqueOrThrow({ where: { generationId: failed.id } });
    expect(hold.status).toBe("RELEASED");
  });

  it("an upstream 500 is retried by the SDK before it fails", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.setDefault("serverError");
    await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey);
    expect(env.openai.generationRequests()).toHaveLength(3);
  });

  it("a 429 is retried and then succeeds, charged once", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script("rateLimit");
    const generation = dataOf(
      await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey),
    ).generateImage;
    expect(generation).toMatchObject({ status: "SUCCEEDED", cost: "0.016000" });
    expect(env.openai.generationRequests()).toHaveLength(2);
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 984_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
  });

  it("Stability content filtering and 500s map to the same codes", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const input: GenerateImageInput = { prompt: "a kite", model: "STABLE_DIFFUSION_XL" };
    env.stability.script("contentFiltered");
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).code).toBe(
      "CONTENT_POLICY_VIOLATION",
    );
    env.stability.setDefault("serverError");
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).code).toBe(
      "UPSTREAM_ERROR",
    );
    await expectUntouched(user.userId);
  });
});

describe("images are ours", () => {
  it("downloads a gateway's URL at once and serves it after the provider's URL has gone", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script({ kind: "ok", format: "url" });
    const generation = dataOf(
      await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey),
    ).generateImage;
    expect(env.openai.fileRequests()).toHaveLength(1);
    env.openai.expireFiles();

    const response = await fetch(generation.images[0]!.url!);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(generation.images[0]!.url!.startsWith(env.server.url)).toBe(true);
  });

  it("fails with UPSTREAM_ERROR, uncharged, when the provider's URL is already gone", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script({ kind: "ok", format: "url", expired: true });
    const error = errorOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));
    expect(error.code).toBe("UPSTREAM_ERROR");
    await expectUntouched(user.userId);
  });

  it("answers 404 for unknown images and refuses paths outside the image store", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const generation = dataOf(
      await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey),
    ).generateImage;
    const url = generation.images[0]!.url!;
    expect(url).toBe(`${env.server.url}/images/${generation.id}/0.png`);
    expect((await fetch(url)).status).toBe(200);
    // An id is a UUID in any case, here as in the GraphQL API.
    expect((await fetch(url.replace(generation.id, generation.id.toUpperCase()))).status).toBe(200);
    expect((await fetch(url.replace(/0\.png$/, "0.jpg"))).status).toBe(404);
    expect((await fetch(url.replace(/0\.png$/, "1.png"))).status).toBe(404);
    expect((await fetch(`${env.server.url}/images/00000000-0000-0000-0000-000000000000/0.png`)).status).toBe(404);
    expect((await fetch(`${env.server.url}/images/..%2F..%2Fpackage.json/0.png`)).status).toBe(404);
    expect((await fetch(`${env.server.url}/images/x/..%2F..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
  });
});

describe("idempotency", () => {
  it("returns the first result again for the same key, charged once", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const input = { ...DALL_E_2, idempotencyKey: "order-42" };
    const first = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage;
    const again = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage;
    expect(again.id).toBe(first.id);
    expect(again.images.map((image) => image.url)).toEqual(first.images.map((image) => image.url));
    expect(env.openai.generationRequests()).toHaveLength(1);
    expect(await env.server.db.ledgerEntry.count({ where: { userId: user.userId, kind: "CHARGE" } })).toBe(1);
  });

  it("charges once when the same key arrives concurrently", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.setLatencyMs(100);
    const input = { ...DALL_E_2, idempotencyKey: "burst" };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => env.server.graphql(GenerateImageDocument, { input }, user.apiKey)),
    );
    const ids = new Set(results.map((result) => dataOf(result).generateImage.id));
    expect(ids.size).toBe(1);
    expect(results.every((result) => dataOf(result).generateImage.status === "SUCCEEDED")).toBe(true);
    expect(env.openai.generationRequests()).toHaveLength(1);
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 984_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
  });

  it("gives both callers of one key the first result when they race with credit for one request", async () => {
    const user = await env.server.createUser("MEMBER", "0.016");
    const input = { ...DALL_E_2, idempotencyKey: "last-credit" };
    const { db } = env.server;
    // The account stays locked until both calls wait in their open (two batches in flight): each has looked for
    // the key before either opened, so the open is what must recognise it.
    const results = await db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM users WHERE id = ${user.userId}::uuid FOR UPDATE`;
        const calls = [1, 2].map(() => env.server.graphql(GenerateImageDocument, { input }, user.apiKey));
        await eventually(
          async () =>
            (
              await db.$queryRaw<{ waiting: bigint }[]>`
                SELECT count(*) AS waiting FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'
                   AND query LIKE '%imagegate_open_generations(%'`
            )[0]!.waiting === 2n,
          10_000,
          "both opens waiting on the account",
        );
        return calls;
      },
      { timeout: 20_000 },
    );
    const [first, second] = (await Promise.all(results)).map((result) => dataOf(result).generateImage);
    expect(second!.id).toBe(first!.id);
    expect([first!.status, second!.status]).toEqual(["SUCCEEDED", "SUCCEEDED"]);
    expect(env.openai.generationRequests()).toHaveLength(1);
    expect(await accountOf(env.server, user.userId)).toEqual({ balanceMicros: 0n, reservedMicros: 0n, openHolds: 0 });
  });

  it("keys are per user", async () => {
    const alice = await env.server.createUser("MEMBER", "1");
    const bob = await env.server.createUser("MEMBER", "1");
    const input = { ...DALL_E_2, idempotencyKey: "shared-key" };
    const a = dataOf(await env.server.graphql(GenerateImageDocument, { input }, alice.apiKey)).generateImage;
    const b = dataOf(await env.server.graphql(GenerateImageDocument, { input }, bob.apiKey)).generateImage;
    expect(a.id).not.toBe(b.id);
  });

  it.each([
    ["prompt", { prompt: "other" }],
    ["response format", { responseFormat: "B64_JSON" }],
    ["moderation", { model: "GPT_IMAGE_1", size: "SIZE_1024X1024", moderation: "LOW" }],
  ] as const)("refuses a request with another %s under a used key", async (_what, change) => {
    const user = await env.server.createUser("MEMBER", "1");
    const first = "model" in change ? { ...change, moderation: "AUTO" as const } : {};
    const used = { ...DALL_E_2, ...first, idempotencyKey: "k1" };
    dataOf(await env.server.graphql(GenerateImageDocument, { input: used }, user.apiKey));
    const error = errorOf(
      await env.server.graphql(GenerateImageDocument, { input: { ...used, ...change } }, user.apiKey),
    );
    expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "input.idempotencyKey" } });
  });

  it("replays a failure as the same error, without calling the provider again", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script("contentPolicy");
    const input = { ...DALL_E_2, idempotencyKey: "bad-prompt" };
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).code).toBe(
      "CONTENT_POLICY_VIOLATION",
    );
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).code).toBe(
      "CONTENT_POLICY_VIOLATION",
    );
    expect(env.openai.generationRequests()).toHaveLength(1);
  });
});

describe("credits", () => {
  it("refuses a request the balance cannot cover with INSUFFICIENT_CREDITS, before calling the provider", async () => {
    const user = await env.server.createUser("MEMBER", "0.015");
    const error = errorOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));
    expect(error.code).toBe("INSUFFICIENT_CREDITS");
    expect(env.openai.generationRequests()).toHaveLength(0);
    expect(await env.server.db.imageGeneration.count({ where: { userId: user.userId } })).toBe(0);
    await expectUntouched(user.userId, 15_000n);
  });

  it("a failed generation is still readable, with its error code and no cost", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script("serverError", "serverError", "serverError");
    await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey);
    const stored = await env.server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
    const generation = dataOf(await env.server.graphql(GenerationDocument, { id: stored.id }, user.apiKey)).generation;
    expect(generation).toMatchObject({ status: "FAILED", errorCode: "UPSTREAM_ERROR", cost: "0.000000", images: [] });
  });
});
