import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { GenerateImageDocument, MeDocument } from "../generated/graphql";
import { SERVER_URL_ENV } from "../support/database";
import { accountOf } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";
import { eventually } from "../support/eventually";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { startTestServer, type TestServer } from "../support/test-server";

// The server reaches PostgreSQL through a proxy the test cuts while a provider call is in flight. The caller gets
// SERVICE_UNAVAILABLE; once the database is back, no hold is left behind (the sweeper retries the release that
// failed, long before the hold would expire); and the server serves again.

const DALL_E_2 = { prompt: "a lighthouse", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016

let openai: FakeOpenAI;
let proxy: TcpProxy;
let server: TestServer;
beforeAll(async () => {
  openai = await startFakeOpenAI();
  proxy = await startTcpProxy(process.env[SERVER_URL_ENV]!);
  server = await startTestServer(
    {
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
      HOLD_SWEEP_INTERVAL_SECONDS: "1",
      // Far beyond this test: only the retry of the failed release can free the hold in time.
      HOLD_TTL_SECONDS: "3600",
    },
    { serverDatabaseUrl: (url) => proxy.proxiedUrl(url) },
  );
});
afterAll(async () => {
  await proxy.restore().catch(() => undefined);
  await server.close();
  await proxy.close();
  await openai.close();
});

it("database lost mid-generation: SERVICE_UNAVAILABLE, then no hold left once it is back", async () => {
  const user = await server.createUser("MEMBER", "1.00");
  openai.script({ kind: "delay", ms: 1_500 });
  const request = server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey);
  await eventually(async () => openai.generationRequests().length === 1, 10_000, "the provider call");
  await proxy.cut();

  const error = errorOf(await request);
  expect(error.code).toBe("SERVICE_UNAVAILABLE");
  expect(JSON.stringify(error)).not.toMatch(/prisma|SELECT|127\.0\.0\.1|stack/i);
  expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
  expect(errorOf(await server.graphql(MeDocument, {}, user.apiKey)).code).toBe("SERVICE_UNAVAILABLE");
  // While the database is away, the hold is still there (seen through a direct connection).
  expect(await accountOf(server, user.userId)).toMatchObject({ reservedMicros: 16_000n, openHolds: 1 });

  await proxy.restore();
  // The failed release was handed to the sweeper's retries: without them the hold would wait for its expiry (1 h here).
  await eventually(
    async () => (await accountOf(server, user.userId)).openHolds === 0,
    5_000,
    "the failed release retried by the sweeper",
  );
  expect(await accountOf(server, user.userId)).toEqual({ balanceMicros: 1_000_000n, reservedMicros: 0n, openHolds: 0 });
  const generation = await server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
  expect(generation).toMatchObject({ status: "FAILED", errorCode: "SERVICE_UNAVAILABLE", costMicros: 0n });

  expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  const again = dataOf(await server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));
  expect(again.generateImage).toMatchObject({ status: "SUCCEEDED", cost: "0.016000" });
}, 60_000);

it("images are answered 503 while the database that knows where they are is away", async () => {
  const user = await server.createUser("MEMBER", "1.00");
  const generated = dataOf(await server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));
  const url = generated.generateImage.images[0]!.url!;
  expect((await fetch(url)).status).toBe(200);

  await proxy.cut();
  try {
    const response = await fetch(url);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: "unavailable" });
  } finally {
    await proxy.restore();
  }
  expect((await fetch(url)).status).toBe(200);
}, 60_000);

it("the settle's answer lost after it committed: the caller gets the generation it was charged for", async () => {
  const user = await server.createUser("MEMBER", "1.00");
  const dropped = proxy.dropAnswerTo("imagegate_settle_generations");
  const result = await server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey);
  await dropped;
  expect(dataOf(result).generateImage).toMatchObject({ status: "SUCCEEDED", cost: "0.016000" });
  expect(await accountOf(server, user.userId)).toEqual({ balanceMicros: 984_000n, reservedMicros: 0n, openHolds: 0 });
  expect(await server.db.ledgerEntry.count({ where: { userId: user.userId, kind: "CHARGE" } })).toBe(1);
}, 60_000);

it("the open's answer lost after it committed: SERVICE_UNAVAILABLE, and the hold released long before it expires", async () => {
  const user = await server.createUser("MEMBER", "1.00");
  const providerCalls = openai.generationRequests().length;
  const dropped = proxy.dropAnswerTo("imagegate_open_generations");
  const error = errorOf(await server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));
  await dropped;
  expect(error.code).toBe("SERVICE_UNAVAILABLE");
  expect(openai.generationRequests()).toHaveLength(providerCalls);
  // Committed, so held: only the release handed to the sweeper's retries frees it before its expiry (1 h here).
  await eventually(
    async () => (await accountOf(server, user.userId)).openHolds === 0,
    5_000,
    "the hold of the open whose answer was lost, released",
  );
  expect(await accountOf(server, user.userId)).toEqual({ balanceMicros: 1_000_000n, reservedMicros: 0n, openHolds: 0 });
  const generation = await server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
  expect(generation).toMatchObject({ status: "FAILED", errorCode: "SERVICE_UNAVAILABLE", costMicros: 0n });
}, 60_000);
