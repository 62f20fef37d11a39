import { GenerateImageDocument, MyRateLimitDocument, SetUserRateLimitDocument } from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf, type GraphQLResponse } from "../support/graphql-client";

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each

function codeOf(response: GraphQLResponse<unknown>): string {
  return (response.errors?.[0]?.extensions?.code as string | undefined) ?? "OK";
}

describe("images per minute, with RATE_LIMIT_IMAGES_PER_MINUTE=4 (counters in PostgreSQL)", () => {
  let env: TestEnvironment;
  let admin: { userId: string; apiKey: string };
  beforeAll(async () => {
    env = await startEnvironment({ RATE_LIMIT_IMAGES_PER_MINUTE: "4" });
    admin = await env.server.createUser("ADMIN");
  });
  afterAll(() => env.close());

  const generate = (apiKey: string, n = 1) =>
    env.server.graphql(GenerateImageDocument, { input: { ...DALL_E_2, n } }, apiKey);
  const generationsOf = (userId: string) => env.server.db.imageGeneration.count({ where: { userId } });

  it("refuses past the limit with RATE_LIMITED and retryAfterSeconds, holding nothing and calling no provider", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    for (let i = 0; i < 4; i++) expect(codeOf(await generate(user.apiKey))).toBe("OK");
    const before = await accountOf(env.server, user.userId);
    const providerCalls = env.openai.generationRequests().length;

    const refused = errorOf(await generate(user.apiKey));

    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.message).toMatch(/4 images per minute/);
    expect(refused.extensions?.retryAfterSeconds).toEqual(expect.any(Number));
    expect(refused.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused.extensions?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(refused.extensions?.imagesPerMinute).toBe(4);
    expect(await accountOf(env.server, user.userId)).toEqual({ ...before, openHolds: 0 });
    expect(await generationsOf(user.userId)).toBe(4);
    expect(env.openai.generationRequests()).toHaveLength(providerCalls);
  });

  it("counts n as n images, and a refused request counts nothing", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    expect(codeOf(await generate(user.apiKey, 3))).toBe("OK");
    expect(codeOf(await generate(user.apiKey, 2))).toBe("RATE_LIMITED"); // 3 + 2 > 4
    expect(codeOf(await generate(user.apiKey, 2))).toBe("RATE_LIMITED"); // still 3 counted, not 5
    expect(codeOf(await generate(user.apiKey, 1))).toBe("OK"); // 3 + 1 = 4
    expect(codeOf(await generate(user.apiKey, 1))).toBe("RATE_LIMITED");
    expect(await generationsOf(user.userId)).toBe(2);
  });

  it("refuses a request larger than the limit at once, saying so, without counting it", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const refused = errorOf(await generate(user.apiKey, 5));
    expect(refused.code).toBe("RATE_LIMITED");
    expect(refused.message).toBe("n=5 is more than this user's limit of 4 images per minute; ask for at most 4");
    expect(refused.extensions).toMatchObject({ retryAfterSeconds: 60, imagesPerMinute: 4 });
    expect(codeOf(await generate(user.apiKey, 4))).toBe("OK");
    expect(await generationsOf(user.userId)).toBe(1);
  });

  it("an idempotent replay is not counted again", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const input = { ...DALL_E_2, n: 4, idempotencyKey: "rate-limit-replay" };
    const first = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey));
    const again = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey));
    expect(again.generateImage.id).toBe(first.generateImage.id);
    expect(codeOf(await generate(user.apiKey))).toBe("RATE_LIMITED");
  });

  it("an admin override raises and lowers a user's limit at once, and every change is audited", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    expect(dataOf(await env.server.graphql(MyRateLimitDocument, {}, user.apiKey)).me).toMatchObject({
      rateLimitPerMinute: 4,
      rateLimitOverride: null,
    });
    expect(codeOf(await generate(user.apiKey, 4))).toBe("OK");
    expect(codeOf(await generate(user.apiKey, 2))).toBe("RATE_LIMITED");

    const raised = await env.server.graphql(
      SetUserRateLimitDocument,
      { userId: user.userId, imagesPerMinute: 7 },
      admin.apiKey,
    );
    expect(dataOf(raised).setUserRateLimit).toEqual({ id: user.userId, rateLimitPerMinute: 7, rateLimitOverride: 7 });
    // The images of this window still count: 4 used, 3 left under the new limit.
    expect(codeOf(await generate(user.apiKey, 2))).toBe("OK");
    expect(codeOf(await generate(user.apiKey, 2))).toBe("RATE_LIMITED");
    expect(codeOf(await generate(user.apiKey, 1))).toBe("OK");

    const lowered = await env.server.graphql(
      SetUserRateLimitDocument,
      { userId: user.userId, imagesPerMinute: 1 },
      admin.apiKey,
    );
    expect(dataOf(lowered).setUserRateLimit).toMatchObject({ rateLimitPerMinute: 1, rateLimitOverride: 1 });
    expect(errorOf(await generate(user.apiKey, 1)).extensions).toMatchObject({ imagesPerMinute: 1 });

    const cleared = await env.server.graphql(
      SetUserRateLimitDocument,
      { userId: user.userId, imagesPerMinute: null },
      admin.apiKey,
    );
    expect(dataOf(cleared).setUserRateLimit).toMatchObject({ rateLimitPerMinute: 4, rateLimitOverride: null });

    const audit = await env.server.db.auditLogEntry.findMany({
      where: { targetType: "User", targetId: user.userId, action: "setUserRateLimit" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map(({ actorId, before, after }) => ({ actorId, before, after }))).toEqual([
      { actorId: admin.userId, before: { imagesPerMinute: null }, after: { imagesPerMinute: 7 } },
      { actorId: admin.userId, before: { imagesPerMinute: 7 }, after: { imagesPerMinute: 1 } },
      { actorId: admin.userId, before: { imagesPerMinute: 1 }, after: { imagesPerMinute: null } },
    ]);
  });

  it("only an admin sets a limit; it must be positive, for a user that exists", async () => {
    const member = await env.server.createUser("MEMBER");
    const finance = await env.server.createUser("FINANCE");
    const args = { userId: member.userId, imagesPerMinute: 100 };
    expect(errorOf(await env.server.graphql(SetUserRateLimitDocument, args, member.apiKey)).code).toBe("FORBIDDEN");
    expect(errorOf(await env.server.graphql(SetUserRateLimitDocument, args, finance.apiKey)).code).toBe("FORBIDDEN");
    for (const imagesPerMinute of [0, -3]) {
      const refused = errorOf(
        await env.server.graphql(SetUserRateLimitDocument, { ...args, imagesPerMinute }, admin.apiKey),
      );
      expect(refused).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "imagesPerMinute" } });
    }
    for (const userId of ["not-a-uuid", "00000000-0000-4000-8000-000000000000"]) {
      const missing = errorOf(await env.server.graphql(SetUserRateLimitDocument, { ...args, userId }, admin.apiKey));
      expect(missing.code).toBe("NOT_FOUND");
    }
    const user = await env.server.db.user.findUniqueOrThrow({ where: { id: member.userId } });
    expect(user.rateLimitPerMinute).toBeNull();
    expect(
      await env.server.db.auditLogEntry.count({ where: { action: "setUserRateLimit", targetId: member.userId } }),
    ).toBe(0);
  });
});

describe("with no RATE_LIMIT_IMAGES_PER_MINUTE", () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startEnvironment();
  });
  afterAll(() => env.close());

  it("a user without an override is unlimited and costs the store nothing", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    expect(dataOf(await env.server.graphql(MyRateLimitDocument, {}, user.apiKey)).me).toMatchObject({
      rateLimitPerMinute: null,
      rateLimitOverride: null,
    });
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        env.server.graphql(GenerateImageDocument, { input: { ...DALL_E_2, n: 5 } }, user.apiKey),
      ),
    );
    expect(results.map(codeOf)).toEqual(Array(12).fill("OK"));
    const counters = await env.server.db.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) AS count FROM rate_limit_counters WHERE key LIKE ${`%${user.userId}`}`;
    expect(counters[0]!.count).toBe(0n);
  });
});
