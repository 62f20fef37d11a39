import {
  AuditLogDocument,
  CreateApiKeyDocument,
  CreateExpiringApiKeyDocument,
  CreateSessionKeyDocument,
  CreateUserDocument,
  GenerateImageDocument,
  MeDocument,
  MyApiKeysDocument,
  RevokeApiKeyDocument,
  UserApiKeysDocument,
} from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";

let env: TestEnvironment;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  env = await startEnvironment();
  admin = await env.server.createUser("ADMIN");
});
afterEach(() => env.server.setClock(null));
afterAll(() => env.close());

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each
const HOUR_MS = 3_600_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs);

const me = (apiKey: string) => env.server.graphql(MeDocument, {}, apiKey);
const generate = (apiKey: string, input: object = DALL_E_2) =>
  env.server.graphql(GenerateImageDocument, { input: input as typeof DALL_E_2 }, apiKey);
const keysOf = async (apiKey: string) => dataOf(await env.server.graphql(MyApiKeysDocument, {}, apiKey)).me.apiKeys;

describe("expiry", () => {
  it("refuses an expiresAt that is not in the future, as BAD_USER_INPUT on expiresAt", async () => {
    const user = await env.server.createUser("MEMBER");
    for (const expiresAt of [at(-1000).toISOString(), at(0).toISOString()]) {
      const error = errorOf(
        await env.server.graphql(
          CreateExpiringApiKeyDocument,
          { userId: user.userId, name: "late", expiresAt },
          user.apiKey,
        ),
      );
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "expiresAt" } });
    }
    expect(await keysOf(user.apiKey)).toHaveLength(1);
  });

  it("an expired key is refused like a revoked one, though the server already knows it; the clock decides", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const expiresAt = at(HOUR_MS).toISOString();
    const key = dataOf(
      await env.server.graphql(
        CreateExpiringApiKeyDocument,
        { userId: user.userId, name: "ci", expiresAt },
        admin.apiKey,
      ),
    ).createApiKey;
    expect(key.expiresAt).toBe(expiresAt);
    // Known (kept in memory) before it expires.
    expect(dataOf(await me(key.secret)).me.id).toBe(user.userId);

    env.server.setClock(at(HOUR_MS + 1000));
    expect(errorOf(await me(key.secret)).code).toBe("UNAUTHENTICATED");
    expect(errorOf(await generate(key.secret)).code).toBe("UNAUTHENTICATED");
    expect(dataOf(await me(user.apiKey)).me.id).toBe(user.userId); // the user's other key still works
    expect(await accountOf(env.server, user.userId)).toMatchObject({ balanceMicros: 1_000_000n, openHolds: 0 });

    env.server.setClock(null);
    expect(dataOf(await me(key.secret)).me.id).toBe(user.userId);
  });
});

describe("lastUsedAt", () => {
  it("is written after a use, in the background, at most once a minute per key", async () => {
    const user = await env.server.createUser("MEMBER");
    const lastUsed = async () => {
      await env.server.app.keyUsage.flush();
      return (await env.server.db.apiKey.findFirstOrThrow({ where: { userId: user.userId } })).lastUsedAt;
    };
    expect(await lastUsed()).toBeNull();

    const first = at(0);
    env.server.setClock(first);
    await me(user.apiKey);
    const used = await lastUsed();
    expect(used!.getTime() - first.getTime()).toBeGreaterThanOrEqual(0);
    expect(used!.getTime() - first.getTime()).toBeLessThan(5_000);

    env.server.setClock(new Date(used!.getTime() + 30_000));
    await me(user.apiKey);
    expect(await lastUsed()).toEqual(used);

    const later = new Date(used!.getTime() + 61_000);
    env.server.setClock(later);
    await me(user.apiKey);
    const moved = await lastUsed();
    expect(moved!.getTime()).toBeGreaterThanOrEqual(later.getTime());
    // As the API shows it (this read is within the same minute: it writes nothing).
    expect((await keysOf(user.apiKey))[0]!.lastUsedAt).toBe(moved!.toISOString());
  });
});

describe("User.apiKeys", () => {
  it("shows the user itself, FINANCE and ADMIN each key's prefix, kind and dates, never its secret", async () => {
    const user = await env.server.createUser("MEMBER");
    const finance = await env.server.createUser("FINANCE");
    const other = await env.server.createUser("MEMBER");
    const second = dataOf(
      await env.server.graphql(CreateApiKeyDocument, { userId: user.userId, name: "laptop" }, user.apiKey),
    ).createApiKey;
    dataOf(await env.server.graphql(RevokeApiKeyDocument, { id: second.id }, user.apiKey));

    const own = dataOf(await env.server.graphql(MyApiKeysDocument, {}, user.apiKey));
    expect(own.me.apiKeys.map((key) => [key.name, key.kind, key.revokedAt === null])).toEqual([
      ["laptop", "STANDARD", false],
      ["created by the cli", "STANDARD", true],
    ]);
    expect(own.me.apiKeys[0]).toMatchObject({ prefix: second.secret.slice(0, 10), spendLimit: null, models: null });
    for (const reader of [finance, admin]) {
      const seen = dataOf(await env.server.graphql(UserApiKeysDocument, { id: user.userId }, reader.apiKey)).user;
      expect(seen?.apiKeys).toEqual(own.me.apiKeys);
      expect(JSON.stringify(seen)).not.toContain(second.secret);
    }
    expect(JSON.stringify(own)).not.toContain(user.apiKey);
    expect(errorOf(await env.server.graphql(UserApiKeysDocument, { id: user.userId }, other.apiKey)).code).toBe(
      "FORBIDDEN",
    );
    const active = dataOf(await env.server.graphql(MyApiKeysDocument, { active: true }, user.apiKey)).me.apiKeys;
    expect(active.map((key) => key.name)).toEqual(["created by the cli"]);
    const newest = dataOf(await env.server.graphql(MyApiKeysDocument, { first: 1 }, user.apiKey)).me.apiKeys;
    expect(newest.map((key) => key.id)).toEqual([second.id]);
    expect(errorOf(await env.server.graphql(MyApiKeysDocument, { first: 101 }, user.apiKey)).code).toBe(
      "BAD_USER_INPUT",
    );
  });
});

describe("session keys", () => {
  const sessionKey = async (apiKey: string, spendLimit: string, models?: string[], ttlSeconds = 600) =>
    dataOf(
      await env.server.graphql(CreateSessionKeyDocument, { ttlSeconds, spendLimit, models: models as never }, apiKey),
    ).createSessionKey;

  it("are listed with their kind, limit, models and expiry, and audited without their secret", async () => {
    const user = await env.server.createUser("MEMBER");
    const before = Date.now();
    const session = await sessionKey(user.apiKey, "0.5", ["DALL_E_2", "DALL_E_2"], 900);
    expect(new Date(session.expiresAt!).getTime()).toBeGreaterThanOrEqual(before + 900_000);
    const listed = (await keysOf(user.apiKey)).find((key) => key.id === session.id);
    expect(listed).toMatchObject({
      kind: "SESSION",
      spendLimit: "0.500000",
      models: ["DALL_E_2"],
      expiresAt: session.expiresAt,
    });
    const audit = dataOf(
      await env.server.graphql(AuditLogDocument, { targetId: session.id, action: "createSessionKey" }, admin.apiKey),
    ).auditLog.edges;
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(session.secret);
  });

  it("refuse a TTL outside 60 s to 24 h, a limit not above 0 and an empty model list", async () => {
    const user = await env.server.createUser("MEMBER");
    const cases = [
      [{ ttlSeconds: 59, spendLimit: "1" }, "ttlSeconds"],
      [{ ttlSeconds: 86_401, spendLimit: "1" }, "ttlSeconds"],
      [{ ttlSeconds: 60, spendLimit: "0" }, "spendLimit"],
      [{ ttlSeconds: 60, spendLimit: "-1" }, "spendLimit"],
      [{ ttlSeconds: 60, spendLimit: "1", models: [] }, "models"],
    ] as const;
    for (const [variables, field] of cases) {
      const error = errorOf(await env.server.graphql(CreateSessionKeyDocument, variables as never, user.apiKey));
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field } });
    }
    expect(await keysOf(user.apiKey)).toHaveLength(1);
  });

  it("can mint nothing, revoke only itself, and act as no more than a MEMBER", async () => {
    const session = await sessionKey(admin.apiKey, "1");
    const mint = [
      await env.server.graphql(CreateApiKeyDocument, { userId: admin.userId, name: "more" }, session.secret),
      await env.server.graphql(CreateSessionKeyDocument, { ttlSeconds: 60, spendLimit: "1" }, session.secret),
    ];
    for (const response of mint) expect(errorOf(response).code).toBe("FORBIDDEN");
    expect(
      errorOf(await env.server.graphql(CreateUserDocument, { email: "x@example.com", role: "ADMIN" }, session.secret))
        .code,
    ).toBe("FORBIDDEN");
    expect(errorOf(await env.server.graphql(UserApiKeysDocument, { id: admin.userId }, session.secret)).code).toBe(
      "FORBIDDEN",
    );
    const adminKeys = await keysOf(admin.apiKey);
    const standard = adminKeys.find((key) => key.kind === "STANDARD")!;
    expect(errorOf(await env.server.graphql(RevokeApiKeyDocument, { id: standard.id }, session.secret)).code).toBe(
      "FORBIDDEN",
    );
    // Its own data, as its user: `me` is the ADMIN user.
    expect(dataOf(await me(session.secret)).me).toMatchObject({ id: admin.userId, role: "ADMIN" });
    expect(
      dataOf(await env.server.graphql(RevokeApiKeyDocument, { id: session.id }, session.secret)).revokeApiKey,
    ).toBe(true);
    expect(errorOf(await me(session.secret)).code).toBe("UNAUTHENTICATED");
    expect(await env.server.db.apiKey.count({ where: { userId: admin.userId } })).toBe(adminKeys.length);
  });

  it("expire after their TTL", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const session = await sessionKey(user.apiKey, "1", undefined, 60);
    expect(dataOf(await me(session.secret)).me.id).toBe(user.userId);
    env.server.setClock(at(61_000));
    expect(errorOf(await generate(session.secret)).code).toBe("UNAUTHENTICATED");
    expect(dataOf(await me(user.apiKey)).me.id).toBe(user.userId);
  });

  it("limited to models, refuse another before anything is held", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const session = await sessionKey(user.apiKey, "1", ["DALL_E_2"]);
    const refused = errorOf(await generate(session.secret, { ...DALL_E_2, model: "DALL_E_3", size: "SIZE_1024X1024" }));
    expect(refused).toMatchObject({
      code: "MODEL_NOT_ALLOWED",
      extensions: { model: "DALL_E_3", scope: "SESSION_KEY" },
    });
    // A request naming no model asks for the default (DALL_E_3 in the tests): refused too.
    expect(errorOf(await generate(session.secret, { prompt: "x" })).code).toBe("MODEL_NOT_ALLOWED");
    expect(await env.server.db.imageGeneration.count({ where: { userId: user.userId } })).toBe(0);
    expect(dataOf(await generate(session.secret)).generateImage.status).toBe("SUCCEEDED");
  });

  it("cannot spend past the limit: held and charged count, a released hold gives it back", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const session = await sessionKey(user.apiKey, "0.04"); // two of 0.016, not three
    env.openai.script("contentPolicy");
    expect(errorOf(await generate(session.secret)).code).toBe("CONTENT_POLICY_VIOLATION");
    expect(dataOf(await generate(session.secret)).generateImage.cost).toBe("0.016000");
    expect(dataOf(await generate(session.secret)).generateImage.cost).toBe("0.016000");
    const refused = errorOf(await generate(session.secret));
    expect(refused).toMatchObject({
      code: "BUDGET_EXCEEDED",
      extensions: { scope: "SESSION_KEY", period: "TOTAL", limit: "0.040000", remaining: "0.008000" },
    });
    // The user's own key is not bound by its session key's limit.
    expect(dataOf(await generate(user.apiKey)).generateImage.cost).toBe("0.016000");
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 1_000_000n - 3n * 16_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
  });

  it("count what a generation was charged, not what it held", async () => {
    const user = await env.server.createUser("MEMBER", "5");
    const input = { prompt: "a lighthouse", model: "GPT_IMAGE_2", quality: "LOW" };
    const probe = dataOf(await generate(user.apiKey, input)).generateImage;
    const { holdMicros, costMicros } = await env.server.db.imageGeneration.findUniqueOrThrow({
      where: { id: probe.id },
    });
    expect(costMicros).toBeLessThan(holdMicros);
    const limit = Number(costMicros + holdMicros) / 1e6;
    const session = await sessionKey(user.apiKey, limit.toFixed(6));
    expect(dataOf(await generate(session.secret, input)).generateImage.status).toBe("SUCCEEDED");
    // Counting the first's hold instead of its cost, this one would not fit.
    expect(dataOf(await generate(session.secret, input)).generateImage.status).toBe("SUCCEEDED");
    expect(errorOf(await generate(session.secret, input))).toMatchObject({
      code: "BUDGET_EXCEEDED",
      extensions: { scope: "SESSION_KEY" },
    });
  });
});
