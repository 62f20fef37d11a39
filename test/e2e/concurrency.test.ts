import { GenerateImageDocument } from "../generated/graphql";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { executeOperation, type GraphQLResponse } from "../support/graphql-client";
import { startServerProcess, type ServerProcess } from "../support/server-process";

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each

function outcomes(results: GraphQLResponse<unknown>[]) {
  const codes = results.map((result) => (result.errors?.[0]?.extensions?.code as string | undefined) ?? "OK");
  return {
    ok: codes.filter((code) => code === "OK").length,
    insufficient: codes.filter((code) => code === "INSUFFICIENT_CREDITS").length,
  };
}

describe("concurrent requests never spend past a balance", () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startEnvironment();
    env.openai.setLatencyMs(50); // keep requests in flight together
  });
  afterAll(() => env.close());

  it("40 concurrent requests against credit for 10: exactly 10 succeed, balance 0, nothing held", async () => {
    const user = await env.server.createUser("MEMBER", "0.16");
    const results = await Promise.all(
      Array.from({ length: 40 }, () => env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)),
    );
    expect(outcomes(results)).toEqual({ ok: 10, insufficient: 30 });
    expect(await accountOf(env.server, user.userId)).toEqual({ balanceMicros: 0n, reservedMicros: 0n, openHolds: 0 });
    expect(env.openai.generationRequests()).toHaveLength(10);
    expect(await env.server.db.ledgerEntry.count({ where: { userId: user.userId, kind: "CHARGE" } })).toBe(10);
  });
});

describe("the same race split across two server processes on one database", () => {
  let env: TestEnvironment;
  let openai: FakeOpenAI;
  let processes: ServerProcess[];
  beforeAll(async () => {
    env = await startEnvironment();
    openai = await startFakeOpenAI();
    openai.setLatencyMs(50);
    const processEnv = {
      DATABASE_URL: env.server.databaseUrl,
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
    };
    processes = await Promise.all([startServerProcess(processEnv), startServerProcess(processEnv)]);
  });
  afterAll(async () => {
    await Promise.all(processes.map((server) => server.stop()));
    await openai.close();
    await env.close();
  });

  it("40 requests, alternating between two processes, against credit for 10", async () => {
    const user = await env.server.createUser("MEMBER", "0.16");
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        executeOperation(processes[i % 2]!.url, GenerateImageDocument, { input: DALL_E_2 }, user.apiKey),
      ),
    );
    expect(outcomes(results)).toEqual({ ok: 10, insufficient: 30 });
    expect(await accountOf(env.server, user.userId)).toEqual({ balanceMicros: 0n, reservedMicros: 0n, openHolds: 0 });
    expect(openai.generationRequests()).toHaveLength(10);
  });
});
