import {
  AuditLogDocument,
  CreateTeamDocument,
  GenerateImageDocument,
  MyTeamDocument,
  RefundGenerationDocument,
  RemoveBudgetDocument,
  SetBudgetDocument,
  SetTeamBudgetDocument,
  SetUserTeamDocument,
  TeamDocument,
  UserBudgetsDocument,
} from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each

let env: TestEnvironment;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  env = await startEnvironment();
  admin = await env.server.createUser("ADMIN");
});
afterAll(() => env.close());
afterEach(() => env.server.setClock(null));

const generate = (apiKey: string) => env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, apiKey);
const codeOf = (response: Awaited<ReturnType<typeof generate>>) => response.errors?.[0]?.extensions?.code ?? "OK";

async function budgetedUser(period: "DAILY" | "WEEKLY" | "MONTHLY" | "TOTAL", limit: string) {
  const user = await env.server.createUser("MEMBER", "100");
  dataOf(await env.server.graphql(SetBudgetDocument, { userId: user.userId, period, limit }, admin.apiKey));
  return user;
}

/** A new team with two members, Alice and Bob, each with 10 of credit. */
async function teamOfTwo(name: string) {
  const team = dataOf(
    await env.server.graphql(CreateTeamDocument, { name: `${name}-${Date.now()}` }, admin.apiKey),
  ).createTeam;
  const alice = await env.server.createUser("MEMBER", "10");
  const bob = await env.server.createUser("MEMBER", "10");
  for (const member of [alice, bob]) {
    dataOf(await env.server.graphql(SetUserTeamDocument, { userId: member.userId, teamId: team.id }, admin.apiKey));
  }
  return { team, alice, bob };
}

describe("user budgets", () => {
  it("refuse a hold that would pass the budget, with period and scope, before anything is held or called", async () => {
    const user = await budgetedUser("DAILY", "0.05");
    expect([
      codeOf(await generate(user.apiKey)),
      codeOf(await generate(user.apiKey)),
      codeOf(await generate(user.apiKey)),
    ]).toEqual(["OK", "OK", "OK"]);
    const calls = env.openai.generationRequests().length;
    const refused = errorOf(await generate(user.apiKey));
    expect(refused).toMatchObject({
      code: "BUDGET_EXCEEDED",
      extensions: { period: "DAILY", scope: "USER", remaining: "0.002000" },
    });
    expect(env.openai.generationRequests()).toHaveLength(calls);
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 99_952_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });

    const [budget] = dataOf(await env.server.graphql(UserBudgetsDocument, { id: user.userId }, admin.apiKey)).user!
      .budgets;
    const midnight = new Date();
    midnight.setUTCHours(24, 0, 0, 0);
    expect(budget).toMatchObject({
      period: "DAILY",
      scope: "USER",
      limit: "0.050000",
      spent: "0.048000",
      held: "0.000000",
      remaining: "0.002000",
      alertThresholds: [80, 100],
    });
    expect(new Date(budget!.resetsAt!).getTime()).toBe(midnight.getTime());
  });

  // The server's clock moves on from where it is set (test-server.ts: an offset), so "before" is an hour before the
  // boundary: a busy machine must not carry the requests across it.
  it.each([
    ["DAILY", "2030-01-01T23:00:00Z", "2030-01-02T00:00:01Z", "2030-01-02T00:00:00.000Z"],
    ["WEEKLY", "2030-01-06T23:00:00Z", "2030-01-07T00:00:01Z", "2030-01-07T00:00:00.000Z"], // Monday 7 January
    ["MONTHLY", "2030-01-31T23:00:00Z", "2030-02-01T00:00:00Z", "2030-02-01T00:00:00.000Z"],
  ] as const)("%s budgets roll over at the period boundary", async (period, before, after, resetsAt) => {
    env.server.setClock(new Date(before));
    const user = await budgetedUser(period, "0.032");
    expect([codeOf(await generate(user.apiKey)), codeOf(await generate(user.apiKey))]).toEqual(["OK", "OK"]);
    expect(codeOf(await generate(user.apiKey))).toBe("BUDGET_EXCEEDED");
    const [budget] = dataOf(await env.server.graphql(UserBudgetsDocument, { id: user.userId }, admin.apiKey)).user!
      .budgets;
    expect(budget!.resetsAt).toBe(resetsAt);

    env.server.setClock(new Date(after));
    const [fresh] = dataOf(await env.server.graphql(UserBudgetsDocument, { id: user.userId }, admin.apiKey)).user!
      .budgets;
    expect(fresh).toMatchObject({ spent: "0.000000", remaining: "0.032000" });
    expect(codeOf(await generate(user.apiKey))).toBe("OK");
  });

  it("a TOTAL budget never resets", async () => {
    env.server.setClock(new Date("2030-03-01T12:00:00Z"));
    const user = await budgetedUser("TOTAL", "0.016");
    expect(codeOf(await generate(user.apiKey))).toBe("OK");
    env.server.setClock(new Date("2031-03-01T12:00:00Z"));
    expect(codeOf(await generate(user.apiKey))).toBe("BUDGET_EXCEEDED");
    const [budget] = dataOf(await env.server.graphql(UserBudgetsDocument, { id: user.userId }, admin.apiKey)).user!
      .budgets;
    expect(budget).toMatchObject({ period: "TOTAL", resetsAt: null, spent: "0.016000" });
  });

  it("one budget per user and period: setting it again replaces the limit; removing it lifts it", async () => {
    const user = await budgetedUser("DAILY", "0.01");
    expect(codeOf(await generate(user.apiKey))).toBe("BUDGET_EXCEEDED");
    const raised = dataOf(
      await env.server.graphql(SetBudgetDocument, { userId: user.userId, period: "DAILY", limit: "1" }, admin.apiKey),
    ).setBudget;
    expect(raised.limit).toBe("1.000000");
    expect(codeOf(await generate(user.apiKey))).toBe("OK");
    const budgets = await env.server.db.budget.findMany({ where: { userId: user.userId } });
    expect(budgets).toHaveLength(1);
    expect(dataOf(await env.server.graphql(RemoveBudgetDocument, { id: raised.id }, admin.apiKey)).removeBudget).toBe(
      true,
    );
    expect(await env.server.db.budget.count({ where: { userId: user.userId } })).toBe(0);
  });

  it("validates limits and thresholds, and only ADMIN sets budgets", async () => {
    const user = await env.server.createUser("MEMBER");
    const set = (variables: { limit: string; alertThresholds?: number[] }, key = admin.apiKey) =>
      env.server.graphql(SetBudgetDocument, { userId: user.userId, period: "DAILY", ...variables }, key);
    expect(errorOf(await set({ limit: "-1" })).code).toBe("BAD_USER_INPUT");
    expect(errorOf(await set({ limit: "1", alertThresholds: [0] })).code).toBe("BAD_USER_INPUT");
    expect(errorOf(await set({ limit: "1" }, user.apiKey)).code).toBe("FORBIDDEN");
    const missing = await env.server.graphql(
      SetBudgetDocument,
      { userId: "00000000-0000-4000-8000-000000000000", period: "DAILY", limit: "1" },
      admin.apiKey,
    );
    expect(errorOf(missing).code).toBe("NOT_FOUND");
  });
});

describe("time zones", () => {
  it("a DAILY budget resets at midnight in TIME_ZONE", async () => {
    const ny = await startEnvironment({ TIME_ZONE: "America/New_York" });
    try {
      const nyAdmin = await ny.server.createUser("ADMIN");
      const user = await ny.server.createUser("MEMBER", "1");
      await ny.server.graphql(
        SetBudgetDocument,
        { userId: user.userId, period: "DAILY", limit: "0.016" },
        nyAdmin.apiKey,
      );
      ny.server.setClock(new Date("2030-01-15T04:30:00Z")); // 23:30 on the 14th in New York
      const first = await ny.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey);
      expect(codeOf(first)).toBe("OK");
      ny.server.setClock(new Date("2030-01-15T04:59:00Z"));
      expect(codeOf(await ny.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey))).toBe(
        "BUDGET_EXCEEDED",
      );
      ny.server.setClock(new Date("2030-01-15T05:00:00Z")); // midnight in New York
      expect(codeOf(await ny.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey))).toBe("OK");
      const days = await ny.server.db.spendDaily.findMany({ where: { userId: user.userId }, orderBy: { day: "asc" } });
      expect(days.map((row) => row.day.toISOString().slice(0, 10))).toEqual(["2030-01-14", "2030-01-15"]);
    } finally {
      await ny.close();
    }
  });
});

describe("teams", () => {
  it("a request must fit both the user's and the team's budgets; team spend stays with the team", async () => {
    const { team, alice, bob } = await teamOfTwo("design");
    const teamBudget = dataOf(
      await env.server.graphql(
        SetTeamBudgetDocument,
        { teamId: team.id, period: "MONTHLY", limit: "0.064" },
        admin.apiKey,
      ),
    ).setTeamBudget;
    expect(teamBudget).toMatchObject({ scope: "TEAM", team: { id: team.id } });
    await env.server.graphql(
      SetBudgetDocument,
      { userId: alice.userId, period: "DAILY", limit: "0.016" },
      admin.apiKey,
    );

    expect(codeOf(await generate(alice.apiKey))).toBe("OK");
    const aliceAgain = errorOf(await generate(alice.apiKey));
    expect(aliceAgain.extensions).toMatchObject({ code: "BUDGET_EXCEEDED", scope: "USER", period: "DAILY" });
    expect([
      codeOf(await generate(bob.apiKey)),
      codeOf(await generate(bob.apiKey)),
      codeOf(await generate(bob.apiKey)),
    ]).toEqual(["OK", "OK", "OK"]);
    const bobAgain = errorOf(await generate(bob.apiKey));
    expect(bobAgain.extensions).toMatchObject({ code: "BUDGET_EXCEEDED", scope: "TEAM", period: "MONTHLY" });

    const view = dataOf(await env.server.graphql(TeamDocument, { id: team.id }, admin.apiKey)).team!;
    expect(view.spend).toBe("0.064000");
    expect(view.members.map((member) => member.id).sort()).toEqual([alice.userId, bob.userId].sort());
    expect(view.budgets[0]).toMatchObject({ spent: "0.064000", remaining: "0.000000" });

    // Leaving the team: Bob is bound by the team no more, and the team keeps what he spent while in it.
    await env.server.graphql(SetUserTeamDocument, { userId: bob.userId, teamId: null }, admin.apiKey);
    expect(codeOf(await generate(bob.apiKey))).toBe("OK");
    expect(dataOf(await env.server.graphql(TeamDocument, { id: team.id }, admin.apiKey)).team!.spend).toBe("0.064000");
  });
});

describe("what a member sees of its team", () => {
  it("its team's budgets and spend, not its teammates' accounts; FINANCE sees the members", async () => {
    const { team, alice, bob } = await teamOfTwo("ops");
    await env.server.graphql(SetTeamBudgetDocument, { teamId: team.id, period: "MONTHLY", limit: "5" }, admin.apiKey);

    const own = dataOf(await env.server.graphql(MyTeamDocument, { withMembers: false }, alice.apiKey)).me.team!;
    expect(own).toMatchObject({ id: team.id, spend: "0.000000", budgets: [{ scope: "TEAM", limit: "5.000000" }] });
    const refused = await env.server.graphql(MyTeamDocument, { withMembers: true }, alice.apiKey);
    expect(errorOf(refused)).toMatchObject({ code: "FORBIDDEN", path: ["me", "team", "members"] });
    expect(JSON.stringify(refused.data)).not.toContain(bob.userId);

    const finance = await env.server.createUser("FINANCE");
    const view = dataOf(await env.server.graphql(TeamDocument, { id: team.id }, finance.apiKey)).team!;
    expect(view.members.map((member) => member.id).sort()).toEqual([alice.userId, bob.userId].sort());
  });
});

describe("alerts are recorded once per threshold and period", () => {
  it("records each threshold's first crossing, once per period", async () => {
    env.server.setClock(new Date("2030-05-10T12:00:00Z"));
    const user = await budgetedUser("DAILY", "0.04"); // 50% and 80% (0.032) are both first reached by the 2nd image
    await env.server.graphql(
      SetBudgetDocument,
      { userId: user.userId, period: "DAILY", limit: "0.04", alertThresholds: [50, 80] },
      admin.apiKey,
    );
    expect(codeOf(await generate(user.apiKey))).toBe("OK"); // 40%
    expect(await env.server.db.budgetAlert.count({ where: { budget: { userId: user.userId } } })).toBe(0);
    expect(codeOf(await generate(user.apiKey))).toBe("OK"); // 80%: crosses 50 and 80
    const alerts = await env.server.db.budgetAlert.findMany({
      where: { budget: { userId: user.userId } },
      orderBy: { thresholdPercent: "asc" },
    });
    expect(alerts.map((alert) => [alert.thresholdPercent, alert.spentMicros, alert.limitMicros])).toEqual([
      [50, 32_000n, 40_000n],
      [80, 32_000n, 40_000n],
    ]);
    expect(alerts[0]!.periodStart.toISOString()).toBe("2030-05-10T00:00:00.000Z");
    env.server.setClock(new Date("2030-05-11T12:00:00Z"));
    await generate(user.apiKey);
    await generate(user.apiKey);
    expect(await env.server.db.budgetAlert.count({ where: { budget: { userId: user.userId } } })).toBe(4);
  });
});

describe("refunds", () => {
  it("refunds a generation once, restoring balance and budget, and reports net spend", async () => {
    const user = await budgetedUser("DAILY", "0.016");
    const generation = dataOf(await generate(user.apiKey)).generateImage;
    expect(codeOf(await generate(user.apiKey))).toBe("BUDGET_EXCEEDED");

    const refunds = await Promise.all(
      Array.from({ length: 5 }, () =>
        env.server.graphql(RefundGenerationDocument, { id: generation.id, reason: "blurry" }, admin.apiKey),
      ),
    );
    const succeeded = refunds.filter((refund) => refund.data?.refundGeneration);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]!.data!.refundGeneration).toMatchObject({
      kind: "REFUND",
      amount: "0.016000",
      balanceAfter: "100.000000",
      reason: "blurry",
    });
    expect(refunds.filter((refund) => refund.errors?.[0]?.extensions?.code === "BAD_USER_INPUT")).toHaveLength(4);
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 100_000_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });

    const [budget] = dataOf(await env.server.graphql(UserBudgetsDocument, { id: user.userId }, admin.apiKey)).user!
      .budgets;
    expect(budget!.spent).toBe("0.000000");
    expect(codeOf(await generate(user.apiKey))).toBe("OK");
    const spentRows = await env.server.db.spendDaily.findMany({ where: { userId: user.userId } });
    expect(spentRows.reduce((sum, row) => sum + row.costMicros, 0n)).toBe(16_000n);
  });

  it("refuses refunds of failed generations and by non-admins", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script("contentPolicy");
    await generate(user.apiKey);
    const failed = await env.server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
    expect(
      errorOf(await env.server.graphql(RefundGenerationDocument, { id: failed.id, reason: "x" }, admin.apiKey)).code,
    ).toBe("BAD_USER_INPUT");
    const ok = dataOf(await generate(user.apiKey)).generateImage;
    expect(
      errorOf(await env.server.graphql(RefundGenerationDocument, { id: ok.id, reason: "x" }, user.apiKey)).code,
    ).toBe("FORBIDDEN");
    expect(
      errorOf(
        await env.server.graphql(
          RefundGenerationDocument,
          { id: "00000000-0000-4000-8000-000000000000", reason: "x" },
          admin.apiKey,
        ),
      ).code,
    ).toBe("NOT_FOUND");
  });
});

describe("the audit log", () => {
  it("records every administrative change with actor, target, before and after", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const set = dataOf(
      await env.server.graphql(SetBudgetDocument, { userId: user.userId, period: "WEEKLY", limit: "5" }, admin.apiKey),
    ).setBudget;
    await env.server.graphql(SetBudgetDocument, { userId: user.userId, period: "WEEKLY", limit: "7" }, admin.apiKey);
    const entries = dataOf(
      await env.server.graphql(AuditLogDocument, { targetId: set.id }, admin.apiKey),
    ).auditLog.edges.map((edge) => edge.node);
    expect(entries.map((entry) => entry.action)).toEqual(["setBudget", "setBudget"]);
    expect(entries[0]).toMatchObject({
      actorId: admin.userId,
      targetType: "Budget",
      before: { limitMicros: "5000000" },
      after: { limitMicros: "7000000" },
    });
    expect(entries[1]!.before).toBeNull();

    const created = dataOf(
      await env.server.graphql(AuditLogDocument, { targetId: user.userId }, admin.apiKey),
    ).auditLog.edges.map((edge) => edge.node.action);
    expect(created).toEqual(expect.arrayContaining(["createUser", "grantCredits"]));
    const keys = dataOf(await env.server.graphql(AuditLogDocument, { action: "createApiKey" }, admin.apiKey)).auditLog
      .edges;
    expect(keys.length).toBeGreaterThan(0);
    expect(JSON.stringify(keys)).not.toMatch(/igk_[A-Za-z0-9_-]{20,}/);
    expect(errorOf(await env.server.graphql(AuditLogDocument, {}, user.apiKey)).code).toBe("FORBIDDEN");
  });
});
