import { BudgetAlertsDocument, type BudgetAlertsQuery, type BudgetAlertsQueryVariables } from "../generated/graphql";
import { createTeamBudget, createUserBudget, insertAlert } from "../support/budget-alerts";
import { dataOf, errorOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

type Caller = { userId: string; apiKey: string };

describe("budgetAlerts", () => {
  let server: TestServer;
  let admin: Caller;
  let finance: Caller;
  let member: Caller;
  let otherMember: Caller;
  let teamId: string;
  /** Every alert's id, newest first. */
  let newestFirst: string[];
  let memberAlertIds: string[];

  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 12, minute));
  const query = (variables: BudgetAlertsQueryVariables, caller: Caller | undefined) =>
    server.graphql(BudgetAlertsDocument, variables, caller?.apiKey);
  const ids = async (variables: BudgetAlertsQueryVariables, caller: Caller) =>
    dataOf(await query(variables, caller)).budgetAlerts.edges.map((edge) => edge.node.id);

  beforeAll(async () => {
    server = await startTestServer();
    [admin, finance, member, otherMember] = await Promise.all([
      server.createUser("ADMIN"),
      server.createUser("FINANCE"),
      server.createUser("MEMBER"),
      server.createUser("MEMBER"),
    ]);
    const team = await createTeamBudget(server.db, { period: "MONTHLY", limitMicros: 50_000_000n });
    teamId = team.teamId;
    // The member belongs to the team, yet sees only its own budgets' alerts.
    await server.db.user.update({ where: { id: member.userId }, data: { teamId } });
    const own = await createUserBudget(server.db, {
      userId: member.userId,
      period: "MONTHLY",
      limitMicros: 10_000_000n,
    });
    const other = await createUserBudget(server.db, { userId: otherMember.userId, period: "DAILY" });

    const own80 = await insertAlert(server.db, own.budgetId, { thresholdPercent: 80, createdAt: at(1) });
    const team80 = await insertAlert(server.db, team.budgetId, {
      thresholdPercent: 80,
      limitMicros: 50_000_000n,
      createdAt: at(2),
    });
    const other80 = await insertAlert(server.db, other.budgetId, {
      thresholdPercent: 80,
      periodStart: new Date("2026-11-20T00:00:00Z"),
      createdAt: at(3),
    });
    const own100 = await insertAlert(server.db, own.budgetId, {
      thresholdPercent: 100,
      spentMicros: 10_040_000n,
      createdAt: at(4),
    });
    newestFirst = [own100.id, other80.id, team80.id, own80.id];
    memberAlertIds = [own100.id, own80.id];
  });
  afterAll(() => server.close());

  it("shows ADMIN and FINANCE every alert, newest first, with money as six-decimal strings", async () => {
    expect(await ids({}, admin)).toEqual(newestFirst);
    expect(await ids({}, finance)).toEqual(newestFirst);

    const nodes = dataOf(await query({}, admin)).budgetAlerts.edges.map((edge) => edge.node);
    expect(nodes[0]).toEqual({
      id: newestFirst[0],
      budgetId: expect.any(String),
      scope: "USER",
      ownerId: member.userId,
      period: "MONTHLY",
      periodStart: "2026-11-01T00:00:00.000Z",
      thresholdPercent: 100,
      spent: "10.040000",
      limit: "10.000000",
      createdAt: at(4).toISOString(),
      deliveredAt: null,
      attempts: 0,
      lastError: null,
      user: { id: member.userId, email: expect.any(String) },
      team: null,
    });
    expect(nodes[2]).toMatchObject({
      scope: "TEAM",
      ownerId: teamId,
      spent: "40.000000",
      limit: "50.000000",
      user: null,
      team: { id: teamId },
    });
  });

  it("filters by user or by team", async () => {
    expect(await ids({ userId: member.userId }, admin)).toEqual(memberAlertIds);
    expect(await ids({ teamId }, finance)).toEqual([newestFirst[2]]);
    expect(await ids({ userId: "not-a-uuid" }, admin)).toEqual([]);
    expect(await ids({ teamId: "00000000-0000-0000-0000-000000000000" }, admin)).toEqual([]);
    expect(errorOf(await query({ userId: member.userId, teamId }, admin)).code).toBe("BAD_USER_INPUT");
  });

  it("shows a MEMBER the alerts of its own user budgets only", async () => {
    expect(await ids({}, member)).toEqual(memberAlertIds);
    expect(await ids({ userId: member.userId }, member)).toEqual(memberAlertIds);
    expect(await ids({}, otherMember)).toEqual([newestFirst[1]]);
    expect(errorOf(await query({ userId: otherMember.userId }, member)).code).toBe("FORBIDDEN");
    expect(errorOf(await query({ teamId }, member)).code).toBe("FORBIDDEN");
  });

  it("pages with cursors", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const connection: BudgetAlertsQuery["budgetAlerts"] = dataOf(
        await query({ first: 1, after }, admin),
      ).budgetAlerts;
      seen.push(...connection.edges.map((edge) => edge.node.id));
      expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(newestFirst);
    expect(errorOf(await query({ first: 0 }, admin)).code).toBe("BAD_USER_INPUT");
    expect(errorOf(await query({ after: "bogus" }, admin)).code).toBe("BAD_USER_INPUT");
  });

  it("requires an API key", async () => {
    expect(errorOf(await query({}, undefined)).code).toBe("UNAUTHENTICATED");
  });
});
