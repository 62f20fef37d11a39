import {
  CreateTeamDocument,
  CreateUserDocument,
  DeleteTeamDocument,
  GenerateImageDocument,
  LedgerDocument,
  RenameTeamDocument,
  RevokeApiKeyDocument,
  SetAllowedModelsDocument,
  SetModelRouteDocument,
  SetTeamBudgetDocument,
  SetUserActiveDocument,
  SetUserRateLimitDocument,
  SetUserRoleDocument,
  SetUserTeamDocument,
  SpendReportDocument,
  TeamAfterDeleteDocument,
  TeamsDocument,
  AllowedModelsDocument,
  MeDocument,
  UsersDocument,
  type ImageModel,
  type Role,
  type UsersQueryVariables,
} from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";

// Users and teams administration (issue 17): the users connection, roles and deactivation, team rename and delete,
// model allowlists. One server on a real database; the fakes stand for the providers.

let env: TestEnvironment;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  env = await startEnvironment();
  admin = await env.server.createUser("ADMIN");
});
afterAll(() => env.close());

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016
const DALL_E_3 = { prompt: "a bridge", model: "DALL_E_3" } as const; // 0.040

async function createUser(email: string, role: Role = "MEMBER") {
  return dataOf(await env.server.graphql(CreateUserDocument, { email, role }, admin.apiKey)).createUser;
}

async function usersPage(variables: UsersQueryVariables, apiKey = admin.apiKey) {
  return dataOf(await env.server.graphql(UsersDocument, variables, apiKey)).users;
}

describe("users", () => {
  const domain = "@k2-list.example";
  beforeAll(async () => {
    for (const name of ["alice", "bob", "carol", "dave", "erin"]) await createUser(`${name}${domain}`);
    await createUser(`frank${domain}`, "FINANCE");
  });

  it("pages in email order, every row once, with the filters combined", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: Awaited<ReturnType<typeof usersPage>> = await usersPage({ first: 2, after, search: domain });
      seen.push(...page.edges.map((edge) => edge.node.email));
      expect(page.edges.at(-1)?.cursor ?? null).toBe(page.pageInfo.endCursor);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(["alice", "bob", "carol", "dave", "erin", "frank"].map((name) => name + domain));

    const finance = await usersPage({ search: domain, role: "FINANCE" });
    expect(finance.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ email: `frank${domain}`, role: "FINANCE", active: true, allowedModels: null }),
    ]);
  });

  it("searches any part of the email case-insensitively, a short search its start, and takes wildcards literally", async () => {
    const emails = async (search: string) =>
      (await usersPage({ search })).edges.map((edge) => edge.node.email).filter((email) => email.endsWith(domain));
    expect(await emails("AROL@K2-LIST")).toEqual([`carol${domain}`]);
    expect(await emails("da")).toEqual([`dave${domain}`]);
    expect(await emails("ve")).toEqual([]); // two characters: the start only
    expect(await emails("k2_list")).toEqual([]); // _ is not a wildcard
    expect(errorOf(await env.server.graphql(UsersDocument, { search: "%" }, admin.apiKey)).extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "search",
    });
    const bad = await env.server.graphql(UsersDocument, { after: "not-a-cursor" }, admin.apiKey);
    expect(errorOf(bad).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    const tooMany = await env.server.graphql(UsersDocument, { first: 101 }, admin.apiKey);
    expect(errorOf(tooMany).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
  });

  it("filters by team", async () => {
    const team = dataOf(
      await env.server.graphql(CreateTeamDocument, { name: "k2 list team" }, admin.apiKey),
    ).createTeam;
    const bob = (await usersPage({ search: `bob${domain}` })).edges[0]!.node;
    await env.server.graphql(SetUserTeamDocument, { userId: bob.id, teamId: team.id }, admin.apiKey);
    const page = await usersPage({ teamId: team.id });
    expect(page.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ id: bob.id, team: { id: team.id } }),
    ]);
    expect((await usersPage({ teamId: "not-a-uuid" })).edges).toEqual([]);
  });

  it("is for FINANCE and ADMIN: a MEMBER is refused with the roles that would do", async () => {
    const finance = await env.server.createUser("FINANCE");
    expect((await usersPage({ search: domain }, finance.apiKey)).edges).toHaveLength(6);
    const member = await env.server.createUser("MEMBER");
    const refused = errorOf(await env.server.graphql(UsersDocument, {}, member.apiKey));
    expect(refused.message).toBe("This needs the FINANCE or ADMIN role");
    expect(refused.extensions).toMatchObject({ code: "FORBIDDEN", requiredRoles: ["FINANCE", "ADMIN"] });
  });
});

describe("domain refusals name the roles that would do", () => {
  it("another user's ledger, another user's key", async () => {
    const [member, other] = [await env.server.createUser("MEMBER"), await env.server.createUser("MEMBER")];
    const ledger = errorOf(await env.server.graphql(LedgerDocument, { userId: other.userId }, member.apiKey));
    expect(ledger.message).toMatch(/needs the FINANCE or ADMIN role/);
    expect(ledger.extensions).toMatchObject({ code: "FORBIDDEN", requiredRoles: ["FINANCE", "ADMIN"] });
    const key = await env.server.db.apiKey.findFirstOrThrow({ where: { userId: other.userId } });
    const revoke = errorOf(await env.server.graphql(RevokeApiKeyDocument, { id: key.id }, member.apiKey));
    expect(revoke.message).toMatch(/needs the ADMIN role/);
    expect(revoke.extensions).toMatchObject({ code: "FORBIDDEN", requiredRoles: ["ADMIN"] });
  });
});

describe("setUserRole and setUserActive", () => {
  it("a new role applies to the user's next request, audited", async () => {
    const user = await env.server.createUser("MEMBER");
    expect(errorOf(await env.server.graphql(UsersDocument, {}, user.apiKey)).code).toBe("FORBIDDEN");
    const changed = await env.server.graphql(
      SetUserRoleDocument,
      { userId: user.userId, role: "FINANCE" },
      admin.apiKey,
    );
    expect(dataOf(changed).setUserRole).toEqual({ id: user.userId, role: "FINANCE", active: true });
    expect((await usersPage({ first: 1 }, user.apiKey)).edges).toHaveLength(1);
    const audit = await env.server.db.auditLogEntry.findFirstOrThrow({
      where: { action: "setUserRole", targetId: user.userId },
    });
    expect(audit).toMatchObject({ actorId: admin.userId, before: { role: "MEMBER" }, after: { role: "FINANCE" } });
  });

  it("an inactive user's keys are refused at once, and work again once active; audited", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    expect(dataOf(await env.server.graphql(MeDocument, {}, user.apiKey)).me.id).toBe(user.userId);
    const off = await env.server.graphql(SetUserActiveDocument, { userId: user.userId, active: false }, admin.apiKey);
    expect(dataOf(off).setUserActive).toMatchObject({ active: false });
    expect(errorOf(await env.server.graphql(MeDocument, {}, user.apiKey)).code).toBe("UNAUTHENTICATED");
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)).code).toBe(
      "UNAUTHENTICATED",
    );
    const listed = await usersPage({ search: await userEmail(user.userId) });
    expect(listed.edges.map((edge) => edge.node)).toEqual([
      expect.objectContaining({ id: user.userId, active: false }),
    ]);

    await env.server.graphql(SetUserActiveDocument, { userId: user.userId, active: true }, admin.apiKey);
    expect(dataOf(await env.server.graphql(MeDocument, {}, user.apiKey)).me.id).toBe(user.userId);
    const audits = await env.server.db.auditLogEntry.findMany({
      where: { action: "setUserActive", targetId: user.userId },
      orderBy: { createdAt: "asc" },
    });
    expect(audits.map((audit) => [audit.before, audit.after])).toEqual([
      [{ active: true }, { active: false }],
      [{ active: false }, { active: true }],
    ]);
  });

  it("refuses an unknown user and a MEMBER caller", async () => {
    const unknown = { userId: "00000000-0000-4000-8000-000000000000", role: "ADMIN" as const };
    expect(errorOf(await env.server.graphql(SetUserRoleDocument, unknown, admin.apiKey)).code).toBe("NOT_FOUND");
    const member = await env.server.createUser("MEMBER");
    const refused = errorOf(
      await env.server.graphql(SetUserRoleDocument, { userId: member.userId, role: "ADMIN" }, member.apiKey),
    );
    expect(refused.extensions).toMatchObject({ code: "FORBIDDEN", requiredRoles: ["ADMIN"] });
  });
});

async function userEmail(userId: string): Promise<string> {
  return (await env.server.db.user.findUniqueOrThrow({ where: { id: userId } })).email;
}

describe("teams: rename and delete", () => {
  it("a deleted team's past spend stays in reports under its name; its members and budgets go; its name is free", async () => {
    const team = dataOf(await env.server.graphql(CreateTeamDocument, { name: "k2 design" }, admin.apiKey)).createTeam;
    const member = await env.server.createUser("MEMBER", "1");
    await env.server.graphql(SetUserTeamDocument, { userId: member.userId, teamId: team.id }, admin.apiKey);
    const budget = await env.server.graphql(
      SetTeamBudgetDocument,
      { teamId: team.id, period: "MONTHLY", limit: "10.000000" },
      admin.apiKey,
    );
    dataOf(budget);
    dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, member.apiKey));

    const taken = dataOf(await env.server.graphql(CreateTeamDocument, { name: "k2 taken" }, admin.apiKey)).createTeam;
    const clash = await env.server.graphql(RenameTeamDocument, { teamId: team.id, name: " k2 taken " }, admin.apiKey);
    expect(errorOf(clash).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
    expect(errorOf(clash).message).toBe("a team with this name already exists");
    const renamed = await env.server.graphql(RenameTeamDocument, { teamId: team.id, name: "k2 studio" }, admin.apiKey);
    expect(dataOf(renamed).renameTeam).toEqual({ id: team.id, name: "k2 studio", deletedAt: null });

    expect(dataOf(await env.server.graphql(DeleteTeamDocument, { teamId: team.id }, admin.apiKey)).deleteTeam).toBe(
      true,
    );
    const after = dataOf(await env.server.graphql(TeamAfterDeleteDocument, { id: team.id }, admin.apiKey)).team!;
    expect(after).toMatchObject({ id: team.id, name: "k2 studio", members: [], budgets: [] });
    expect(after.deletedAt).not.toBeNull();
    const names = dataOf(await env.server.graphql(TeamsDocument, {}, admin.apiKey)).teams.map((row) => row.name);
    expect(names).toContain(taken.name);
    expect(names).not.toContain("k2 studio");
    expect(await env.server.db.user.findUniqueOrThrow({ where: { id: member.userId } })).toMatchObject({
      teamId: null,
    });

    const now = new Date();
    const report = dataOf(
      await env.server.graphql(
        SpendReportDocument,
        {
          from: new Date(now.getTime() - 86_400_000).toISOString(),
          to: new Date(now.getTime() + 86_400_000).toISOString(),
          groupBy: ["TEAM"],
        },
        admin.apiKey,
      ),
    ).spendReport;
    expect(report.rows.find((row) => row.team?.id === team.id)).toMatchObject({
      team: { id: team.id, name: "k2 studio" },
      requests: 1,
      cost: "0.016000",
    });

    // Gone for everything but reports.
    for (const response of [
      await env.server.graphql(DeleteTeamDocument, { teamId: team.id }, admin.apiKey),
      await env.server.graphql(RenameTeamDocument, { teamId: team.id, name: "again" }, admin.apiKey),
      await env.server.graphql(SetUserTeamDocument, { userId: member.userId, teamId: team.id }, admin.apiKey),
      await env.server.graphql(
        SetTeamBudgetDocument,
        { teamId: team.id, period: "DAILY", limit: "1.000000" },
        admin.apiKey,
      ),
      await env.server.graphql(SetAllowedModelsDocument, { teamId: team.id, models: [] }, admin.apiKey),
    ]) {
      expect(errorOf(response).code).toBe("NOT_FOUND");
    }
    const again = await env.server.graphql(CreateTeamDocument, { name: "k2 studio" }, admin.apiKey);
    expect(dataOf(again).createTeam.id).not.toBe(team.id);

    const audits = await env.server.db.auditLogEntry.findMany({
      where: { targetId: team.id },
      orderBy: { createdAt: "asc" },
    });
    expect(audits.map((audit) => audit.action)).toEqual(["createTeam", "renameTeam", "deleteTeam"]);
    expect(audits.at(-1)).toMatchObject({
      actorId: admin.userId,
      before: { name: "k2 studio", memberIds: [member.userId] },
    });
  });
});

describe("model allowlists", () => {
  async function allow(target: { userId?: string; teamId?: string }, models: ImageModel[] | null) {
    dataOf(await env.server.graphql(SetAllowedModelsDocument, { ...target, models }, admin.apiKey));
  }
  async function refusal(apiKey: string, input: { prompt: string; model: ImageModel }) {
    return errorOf(await env.server.graphql(GenerateImageDocument, { input }, apiKey)).extensions;
  }

  it("refuses a model outside the user's list before anything is held or counted; null lifts it", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    // One image a minute: a refusal that took a rate-limit token would leave none for the request after it.
    await env.server.graphql(SetUserRateLimitDocument, { userId: user.userId, imagesPerMinute: 1 }, admin.apiKey);
    await allow({ userId: user.userId }, ["DALL_E_3"]);
    const callsBefore = env.openai.generationRequests().length;
    for (let i = 0; i < 3; i++) {
      expect(await refusal(user.apiKey, DALL_E_2)).toEqual(
        expect.objectContaining({ code: "MODEL_NOT_ALLOWED", model: "DALL_E_2", scope: "USER" }),
      );
    }
    expect({
      account: await accountOf(env.server, user.userId),
      generations: await env.server.db.imageGeneration.count({ where: { userId: user.userId } }),
      providerCalls: env.openai.generationRequests().length - callsBefore,
    }).toEqual({
      account: { balanceMicros: 1_000_000n, reservedMicros: 0n, openHolds: 0 },
      generations: 0,
      providerCalls: 0,
    });
    dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_3 }, user.apiKey));

    await allow({ userId: user.userId }, []);
    expect(await refusal(user.apiKey, DALL_E_3)).toMatchObject({ code: "MODEL_NOT_ALLOWED", scope: "USER" });
    await allow({ userId: user.userId }, null);
    await env.server.graphql(SetUserRateLimitDocument, { userId: user.userId, imagesPerMinute: null }, admin.apiKey);
    dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));

    const audits = await env.server.db.auditLogEntry.findMany({
      where: { action: "setAllowedModels", targetId: user.userId },
      orderBy: { createdAt: "asc" },
    });
    expect(audits.map((audit) => [audit.before, audit.after])).toEqual([
      [{ allowedModels: null }, { allowedModels: ["DALL_E_3"] }],
      [{ allowedModels: ["DALL_E_3"] }, { allowedModels: [] }],
      [{ allowedModels: [] }, { allowedModels: null }],
    ]);
  });

  it("a team's list applies to its members; with the user's, the two intersect", async () => {
    const team = dataOf(await env.server.graphql(CreateTeamDocument, { name: "k2 allow" }, admin.apiKey)).createTeam;
    const user = await env.server.createUser("MEMBER", "1");
    await env.server.graphql(SetUserTeamDocument, { userId: user.userId, teamId: team.id }, admin.apiKey);
    await allow({ teamId: team.id }, ["DALL_E_3", "GPT_IMAGE_2", "DALL_E_3"]);
    expect(await refusal(user.apiKey, DALL_E_2)).toMatchObject({ code: "MODEL_NOT_ALLOWED", scope: "TEAM" });

    await allow({ userId: user.userId }, ["DALL_E_2", "DALL_E_3"]);
    const lists = dataOf(
      await env.server.graphql(AllowedModelsDocument, { userId: user.userId, teamId: team.id }, admin.apiKey),
    );
    expect(lists).toEqual({
      user: { id: user.userId, allowedModels: ["DALL_E_2", "DALL_E_3"] },
      team: { id: team.id, allowedModels: ["DALL_E_3", "GPT_IMAGE_2"] },
    });
    expect(await refusal(user.apiKey, DALL_E_2)).toMatchObject({ model: "DALL_E_2", scope: "TEAM" });
    expect(await refusal(user.apiKey, { prompt: "x", model: "GPT_IMAGE_2" })).toMatchObject({
      model: "GPT_IMAGE_2",
      scope: "USER",
    });
    dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_3 }, user.apiKey));

    // Leaving the team leaves its list.
    await env.server.graphql(SetUserTeamDocument, { userId: user.userId, teamId: null }, admin.apiKey);
    dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));
    const neither = await env.server.graphql(SetAllowedModelsDocument, { models: null }, admin.apiKey);
    expect(errorOf(neither).extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "userId" });
    const both = await env.server.graphql(
      SetAllowedModelsDocument,
      { userId: user.userId, teamId: team.id },
      admin.apiKey,
    );
    expect(errorOf(both).code).toBe("BAD_USER_INPUT");
  });

  it("checks the model asked for, not the one a route serves it with", async () => {
    const user = await env.server.createUser("MEMBER", "5");
    await env.server.graphql(
      SetModelRouteDocument,
      { model: "DALL_E_3", servedBy: "GPT_IMAGE_2", enabled: true },
      admin.apiKey,
    );
    try {
      await allow({ userId: user.userId }, ["GPT_IMAGE_2"]);
      expect(await refusal(user.apiKey, DALL_E_3)).toMatchObject({ code: "MODEL_NOT_ALLOWED", model: "DALL_E_3" });
      expect(await accountOf(env.server, user.userId)).toEqual({
        balanceMicros: 5_000_000n,
        reservedMicros: 0n,
        openHolds: 0,
      });
      await allow({ userId: user.userId }, ["DALL_E_3"]);
      const served = dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_3 }, user.apiKey));
      expect(served.generateImage).toMatchObject({ model: "DALL_E_3", servedModel: "GPT_IMAGE_2" });
    } finally {
      await env.server.graphql(SetModelRouteDocument, { model: "DALL_E_3", enabled: true }, admin.apiKey);
    }
  });
});

describe("the last active ADMIN", () => {
  let own: TestEnvironment;
  beforeAll(async () => {
    own = await startEnvironment();
  });
  afterAll(() => own.close());

  it("cannot be demoted or deactivated; once another is active, it can; two admins demoting each other: one stays", async () => {
    const first = await own.server.createUser("ADMIN");
    const demote = (target: string, apiKey: string) =>
      own.server.graphql(SetUserRoleDocument, { userId: target, role: "MEMBER" }, apiKey);
    const deactivate = (target: string, apiKey: string) =>
      own.server.graphql(SetUserActiveDocument, { userId: target, active: false }, apiKey);

    for (const response of [await demote(first.userId, first.apiKey), await deactivate(first.userId, first.apiKey)]) {
      const error = errorOf(response);
      expect(error.extensions).toMatchObject({ code: "CONFLICT", reason: "LAST_ACTIVE_ADMIN" });
      expect(error.message).toMatch(/last active ADMIN/);
    }
    // An inactive admin does not count.
    const second = await own.server.createUser("ADMIN");
    dataOf(await deactivate(second.userId, first.apiKey));
    expect(errorOf(await demote(first.userId, first.apiKey)).code).toBe("CONFLICT");
    await own.server.db.user.update({ where: { id: second.userId }, data: { active: true } });

    const [a, b] = await Promise.all([demote(second.userId, first.apiKey), demote(first.userId, second.apiKey)]);
    // The loser is refused either by the guard or, if its caller was demoted first, as no longer an ADMIN.
    const outcomes = [a, b].map((response) => (response.errors === undefined ? "OK" : errorOf(response).code));
    expect(outcomes.filter((outcome) => outcome === "OK")).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome !== "OK")).toMatch(/^(CONFLICT|FORBIDDEN)$/);
    expect(await own.server.db.user.count({ where: { role: "ADMIN", active: true } })).toBe(1);
    expect(await own.server.db.auditLogEntry.count({ where: { action: "setUserRole" } })).toBe(1);
  });
});
