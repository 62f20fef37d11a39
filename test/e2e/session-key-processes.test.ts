import { CreateSessionKeyDocument, GenerateImageDocument } from "../generated/graphql";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, executeOperation } from "../support/graphql-client";
import { startServerProcess, type ServerProcess } from "../support/server-process";

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each

// Two imagegate processes on one database: a session key's total spend limit is checked with the hold, under its
// user's lock, so 40 concurrent requests split between the processes never hold or charge past it.
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
  };
  processes = await Promise.all([startServerProcess(processEnv), startServerProcess(processEnv)]);
}, 60_000);
afterAll(async () => {
  await Promise.all(processes.map((server) => server.stop()));
  await openai.close();
  await env.close();
});

it("40 concurrent requests on two processes against a limit of 0.20: 12 charged, 28 refused, nothing left held", async () => {
  const user = await env.server.createUser("MEMBER", "10");
  const session = dataOf(
    await executeOperation(
      processes[0]!.url,
      CreateSessionKeyDocument,
      { ttlSeconds: 600, spendLimit: "0.2" },
      user.apiKey,
    ),
  ).createSessionKey;

  const results = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      executeOperation(processes[i % 2]!.url, GenerateImageDocument, { input: DALL_E_2 }, session.secret),
    ),
  );
  const refusals = results.flatMap((result) => result.errors ?? []);
  const charged = await env.server.db.imageGeneration.aggregate({
    where: { sessionKeyId: session.id },
    _sum: { costMicros: true },
    _count: { _all: true },
  });
  // One comparison of every fact, so a failure shows them all.
  expect({
    ok: results.filter((result) => result.errors === undefined).length,
    refusals: refusals.length,
    refusalCodes: [...new Set(refusals.map((error) => error.extensions?.code))],
    refusalScopes: [...new Set(refusals.map((error) => error.extensions?.scope))],
    providerCalls: openai.generationRequests().length,
    generations: charged._count._all,
    chargedMicros: charged._sum.costMicros,
    account: await accountOf(env.server, user.userId),
  }).toEqual({
    ok: 12,
    refusals: 28,
    refusalCodes: ["BUDGET_EXCEEDED"],
    refusalScopes: ["SESSION_KEY"],
    providerCalls: 12,
    generations: 12,
    chargedMicros: 12n * 16_000n,
    account: { balanceMicros: 10_000_000n - 12n * 16_000n, reservedMicros: 0n, openHolds: 0 },
  });
}, 60_000);
