import {
  CreateTeamDocument,
  GenerateImageDocument,
  SetBudgetDocument,
  SetTeamBudgetDocument,
  SetUserTeamDocument,
} from "../generated/graphql";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, executeOperation, type GraphQLResponse } from "../support/graphql-client";
import { startServerProcess, type ServerProcess } from "../support/server-process";

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each

function outcomes(results: GraphQLResponse<unknown>[]) {
  const codes = results.map((result) => (result.errors?.[0]?.extensions?.code as string | undefined) ?? "OK");
  return {
    ok: codes.filter((code) => code === "OK").length,
    insufficient: codes.filter((code) => code === "INSUFFICIENT_CREDITS").length,
    overBudget: codes.filter((code) => code === "BUDGET_EXCEEDED").length,
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
    expect(outcomes(results)).toEqual({ ok: 10, insufficient: 30, overBudget: 0 });
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
    expect(outcomes(results)).toEqual({ ok: 10, insufficient: 30, overBudget: 0 });
    expect(await accountOf(env.server, user.userId)).toEqual({ balanceMicros: 0n, reservedMicros: 0n, openHolds: 0 });
    expect(openai.generationRequests()).toHaveLength(10);
  });

  it("100 requests across both processes against a user's budget: exactly the affordable 10 succeed", async () => {
    const admin = await env.server.createUser("ADMIN");
    const user = await env.server.createUser("MEMBER", "100");
    dataOf(
      await env.server.graphql(
        SetBudgetDocument,
        { userId: user.userId, period: "DAILY", limit: "0.16" },
        admin.apiKey,
      ),
    );
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        executeOperation(processes[i % 2]!.url, GenerateImageDocument, { input: DALL_E_2 }, user.apiKey),
      ),
    );
    expect(outcomes(results)).toEqual({ ok: 10, insufficient: 0, overBudget: 90 });
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 99_840_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
  });

  it("100 requests from four team members across both processes against the team's budget: exactly 20 succeed", async () => {
    const admin = await env.server.createUser("ADMIN");
    const team = dataOf(await env.server.graphql(CreateTeamDocument, { name: "race" }, admin.apiKey)).createTeam;
    const members = await Promise.all(Array.from({ length: 4 }, () => env.server.createUser("MEMBER", "100")));
    for (const member of members) {
      dataOf(await env.server.graphql(SetUserTeamDocument, { userId: member.userId, teamId: team.id }, admin.apiKey));
    }
    dataOf(
      await env.server.graphql(
        SetTeamBudgetDocument,
        { teamId: team.id, period: "MONTHLY", limit: "0.32" },
        admin.apiKey,
      ),
    );
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        executeOperation(processes[i % 2]!.url, GenerateImageDocument, { input: DALL_E_2 }, members[i % 4]!.apiKey),
      ),
    );
    expect(outcomes(results)).toEqual({ ok: 20, insufficient: 0, overBudget: 80 });
    const spent = await env.server.db.spendDaily.aggregate({ where: { teamKey: team.id }, _sum: { costMicros: true } });
    expect(spent._sum.costMicros).toBe(320_000n);
    for (const member of members) expect((await accountOf(env.server, member.userId)).openHolds).toBe(0);
  });
});
