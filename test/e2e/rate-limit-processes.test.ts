import { Redis } from "ioredis";
import { GenerateImageDocument } from "../generated/graphql";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { executeOperation } from "../support/graphql-client";
import { startServerProcess, type ServerProcess } from "../support/server-process";

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each
const REDIS_URL = "redis://127.0.0.1:6379";
/** The servers' own key prefix (create-image-rate-limiter.ts); keys end in a user id made for this test. */
const SERVER_KEY_PREFIX = "imagegate:images-per-minute";

// Two imagegate processes on one database, limit 5 images per minute: 12 concurrent requests, alternating between
// the processes, must let exactly 5 through, whichever store holds the counters.
describe.each([
  { store: "PostgreSQL", env: {} as Record<string, string> },
  { store: "Redis", env: { REDIS_URL } as Record<string, string> },
])("the limit holds across two server processes, counters in $store", ({ env: storeEnv }) => {
  let env: TestEnvironment;
  let openai: FakeOpenAI;
  let processes: ServerProcess[];
  beforeAll(async () => {
    env = await startEnvironment();
    openai = await startFakeOpenAI();
    openai.setLatencyMs(50); // keep requests in flight together
    const processEnv = {
      DATABASE_URL: env.server.databaseUrl,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
      RATE_LIMIT_IMAGES_PER_MINUTE: "5",
      ...storeEnv,
    };
    // Started together, so both create (or find) the counters table at the same moment.
    processes = await Promise.all([startServerProcess(processEnv), startServerProcess(processEnv)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(processes.map((server) => server.stop()));
    await openai.close();
    await env.close();
  });

  it("12 concurrent requests against a limit of 5: exactly 5 succeed, the rest hold nothing", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        executeOperation(processes[i % 2]!.url, GenerateImageDocument, { input: DALL_E_2 }, user.apiKey),
      ),
    );
    const codes = results.map((result) => (result.errors?.[0]?.extensions?.code as string | undefined) ?? "OK");
    // One comparison of every fact, so a failure shows them all.
    expect({
      ok: codes.filter((code) => code === "OK").length,
      rateLimited: codes.filter((code) => code === "RATE_LIMITED").length,
      providerCalls: openai.generationRequests().length,
      generations: await env.server.db.imageGeneration.count({ where: { userId: user.userId } }),
      account: await accountOf(env.server, user.userId),
    }).toEqual({
      ok: 5,
      rateLimited: 7,
      providerCalls: 5,
      generations: 5,
      account: { balanceMicros: 1_000_000n - 5n * 16_000n, reservedMicros: 0n, openHolds: 0 },
    });
    if (storeEnv.REDIS_URL !== undefined) {
      const redis = new Redis(REDIS_URL);
      try {
        expect(await redis.get(`${SERVER_KEY_PREFIX}:${user.userId}`)).toBe("5");
        await redis.del(`${SERVER_KEY_PREFIX}:${user.userId}`);
      } finally {
        redis.disconnect();
      }
    }
  });
});
