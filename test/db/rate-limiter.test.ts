import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Client } from "pg";
import type { Principal } from "../../src/domain/accounts/principal";
import { DomainError } from "../../src/domain/errors";
import type { Logger } from "../../src/domain/logger";
import { createImageRateLimiter } from "../../src/domain/rate-limit/create-image-rate-limiter";
import { RATE_LIMIT_TABLE } from "../../src/domain/rate-limit/postgres-counter-store";
import type { ImageRateLimiter } from "../../src/domain/rate-limit/rate-limiter";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startTcpProxy } from "../support/tcp-proxy";
import { runDbTool } from "./tools/run-db-tool";
import { principalOf } from "../support/principal";

const REDIS_URL = "redis://127.0.0.1:6379";
/** Unique per run, so parallel runs on one Redis never share a counter. */
const KEY_PREFIX = `imagegate-test:${randomBytes(6).toString("hex")}`;

function principal(rateLimitPerMinute: number | null = null): Principal {
  return principalOf({ userId: randomUUID(), role: "MEMBER", apiKeyId: randomUUID(), rateLimitPerMinute });
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    info: () => undefined,
    warn: (_details, message) => warnings.push(message),
    error: () => undefined,
  };
}

/** Resolves to "OK" or the error code, so races can be tallied. */
async function outcome(limiter: ImageRateLimiter, who: Principal, images: number): Promise<string> {
  try {
    await limiter.consume(who, images);
    return "OK";
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

/** Consumes one image at a time until refused (the store is back and counting), for at most 10 s. */
async function untilRefused(limiter: ImageRateLimiter, who: Principal): Promise<string> {
  const deadlineMs = Date.now() + 10_000;
  let last = await outcome(limiter, who, 1);
  while (last === "OK" && Date.now() < deadlineMs) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await outcome(limiter, who, 1);
  }
  return last;
}

async function queryOne<T>(databaseUrl: string, text: string, values: unknown[] = []): Promise<T | undefined> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows[0] as T | undefined;
  } finally {
    await client.end();
  }
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe.each([
  { store: "PostgreSQL", redisUrl: undefined },
  { store: "Redis", redisUrl: REDIS_URL },
])("images per minute with counters in $store", ({ redisUrl }) => {
  let limiter: ImageRateLimiter;
  let redis: Redis | undefined;
  const open = (options: { defaultPerMinute?: number; windowSeconds?: number } = {}) =>
    createImageRateLimiter({
      databaseUrl: database.databaseUrl,
      redisUrl,
      defaultPerMinute: options.defaultPerMinute,
      logger: recordingLogger(),
      keyPrefix: KEY_PREFIX,
      windowSeconds: options.windowSeconds,
    });
  /** What the store has counted for a user in the current window. */
  const counted = async (userId: string): Promise<number> => {
    const key = `${KEY_PREFIX}:${userId}`;
    if (redis !== undefined) return Number((await redis.get(key)) ?? 0);
    const row = await queryOne<{ points: number }>(
      database.databaseUrl,
      `SELECT points FROM ${RATE_LIMIT_TABLE} WHERE key = $1`,
      [key],
    );
    return row?.points ?? 0;
  };

  beforeAll(async () => {
    limiter = await open({ defaultPerMinute: 7 });
    if (redisUrl !== undefined) redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    await limiter.close();
    if (redis !== undefined) {
      const keys = await redis.keys(`${KEY_PREFIX}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  });

  it("20 concurrent one-image requests against a limit of 7: exactly 7 pass", async () => {
    const who = principal();
    const results = await Promise.all(Array.from({ length: 20 }, () => outcome(limiter, who, 1)));
    expect(results.filter((result) => result === "OK")).toHaveLength(7);
    expect(results.filter((result) => result === "RATE_LIMITED")).toHaveLength(13);
    expect(await counted(who.userId)).toBe(7);
  });

  it("requests of mixed sizes racing never pass the limit, and refused ones count nothing", async () => {
    const who = principal(10);
    const sizes = Array.from({ length: 30 }, (_, i) => (i % 4) + 1);
    const results = await Promise.all(sizes.map((images) => outcome(limiter, who, images)));
    const passed = sizes.filter((_, i) => results[i] === "OK").reduce((sum, images) => sum + images, 0);
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThanOrEqual(10);
    expect(await counted(who.userId)).toBe(passed);
  });

  it("the user's override, not the default, is the limit", async () => {
    const raised = principal(9);
    expect(await outcome(limiter, raised, 9)).toBe("OK");
    const lowered = principal(2);
    expect(await outcome(limiter, lowered, 2)).toBe("OK");
    expect(await outcome(limiter, lowered, 1)).toBe("RATE_LIMITED");
  });

  it("a user with neither an override nor a default is unlimited and never reaches the store", async () => {
    const unlimited = await open();
    const who = principal();
    await unlimited.close(); // a closed store would fail (open) on any use: nothing may use it
    for (let i = 0; i < 5; i++) await expect(unlimited.consume(who, 10)).resolves.toBeUndefined();
    expect(await counted(who.userId)).toBe(0);
  });

  it("once the window has passed the whole limit is available again", async () => {
    const short = await open({ defaultPerMinute: 3, windowSeconds: 1 });
    try {
      const who = principal();
      expect(await outcome(short, who, 3)).toBe("OK");
      const refused = await short.consume(who, 1).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).details.retryAfterSeconds).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await outcome(short, who, 3)).toBe("OK");
    } finally {
      await short.close();
    }
  });
});

describe("the PostgreSQL counters table", () => {
  it("is created once, safely, by several processes starting together, and is not schema drift", async () => {
    const fresh = await createTestDatabase();
    try {
      const limiters = await Promise.all(
        Array.from({ length: 6 }, () =>
          createImageRateLimiter({
            databaseUrl: fresh.databaseUrl,
            redisUrl: undefined,
            defaultPerMinute: 1,
            logger: recordingLogger(),
          }),
        ),
      );
      await Promise.all(limiters.map((limiter) => limiter.close()));
      const table = await queryOne<{ name: string | null }>(fresh.databaseUrl, "SELECT to_regclass($1)::text AS name", [
        RATE_LIMIT_TABLE,
      ]);
      expect(table?.name).toBe("rate_limit_counters");

      const check = await runDbTool("check", { databaseUrl: fresh.databaseUrl });
      expect(check).toMatchObject({ ok: true, result: { inSync: true } });
    } finally {
      await fresh.drop();
    }
  }, 60_000);
});

describe("when the store is unreachable the limiter fails open, with a warning", () => {
  it("Redis down at start and after", async () => {
    const logger = recordingLogger();
    const limiter = await createImageRateLimiter({
      databaseUrl: "postgresql://unused@127.0.0.1:1/unused",
      redisUrl: "redis://127.0.0.1:1",
      defaultPerMinute: 1,
      logger,
    });
    try {
      const who = principal();
      for (let i = 0; i < 3; i++) await expect(limiter.consume(who, 1)).resolves.toBeUndefined();
      expect(logger.warnings).toContain("rate-limit store unavailable; allowing the request (fail open)");
    } finally {
      await limiter.close();
    }
  });

  it("Redis down at start is used once it answers, and again after it went away and came back", async () => {
    const proxy = await startTcpProxy(REDIS_URL);
    await proxy.cut();
    const logger = recordingLogger();
    const limiter = await createImageRateLimiter({
      databaseUrl: "postgresql://unused@127.0.0.1:1/unused",
      redisUrl: proxy.proxiedUrl(REDIS_URL),
      defaultPerMinute: 1,
      logger,
      keyPrefix: KEY_PREFIX,
    });
    try {
      const who = principal();
      await expect(limiter.consume(who, 1)).resolves.toBeUndefined(); // open: Redis is not there
      await proxy.restore();
      expect(await untilRefused(limiter, principal())).toBe("RATE_LIMITED");

      await proxy.cut();
      await expect(limiter.consume(who, 1)).resolves.toBeUndefined();
      await proxy.restore();
      expect(await untilRefused(limiter, principal())).toBe("RATE_LIMITED");
      expect(logger.warnings).toContain("rate-limit store unavailable; allowing the request (fail open)");
    } finally {
      await limiter.close();
      await proxy.close();
    }
  });

  it("PostgreSQL gone after start", async () => {
    const doomed = await createTestDatabase();
    const logger = recordingLogger();
    const limiter = await createImageRateLimiter({
      databaseUrl: doomed.databaseUrl,
      redisUrl: undefined,
      defaultPerMinute: 1,
      logger,
    });
    try {
      const who = principal();
      await expect(limiter.consume(who, 1)).resolves.toBeUndefined();
      await expect(limiter.consume(who, 1)).rejects.toMatchObject({ code: "RATE_LIMITED" });
      await doomed.drop(); // terminates the limiter's connections too
      await expect(limiter.consume(who, 1)).resolves.toBeUndefined();
      expect(logger.warnings).toContain("rate-limit store unavailable; allowing the request (fail open)");
    } finally {
      await limiter.close();
    }
  });
});
