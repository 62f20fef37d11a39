import DataLoader from "dataloader";
import { budgetUsagesOfOwners, type BudgetUsage } from "../domain/budgets/budget-usage";
import type { Db } from "../domain/db";
import { apiKeysById, apiKeysOfUsers, type ApiKeyRow } from "../domain/accounts/api-key.queries";
import { WITH_IMAGES } from "../domain/generation/generation.queries";
import { sourcesOfGenerations } from "../domain/edits/edit-sources.queries";
import { spendMicrosOfTeams, spendMicrosOfUsers, type OwnerWindow } from "../domain/reports/owner-spend";
import type { Loaders, Services } from "./context";

/** Batches the ids asked for in one tick into one query, and answers each id with its row or null. */
function loaderById<T extends { id: string }>(findMany: (ids: string[]) => Promise<T[]>) {
  return new DataLoader(async (ids: readonly string[]) => {
    const byId = new Map((await findMany([...ids])).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** One owner's spend over one window per key; the same owner and window asked for by many rows is one key. */
function spendLoader(spendOf: (windows: readonly OwnerWindow[]) => Promise<bigint[]>) {
  return new DataLoader(spendOf, {
    cacheKeyFn: (key: OwnerWindow) => `${key.ownerId}|${key.from.toISOString()}|${key.to.toISOString()}`,
  });
}

/** Where budget periods are: the clock and TIME_ZONE of the deployment. */
type Periods = Pick<Services, "now" | "timeZone">;

function budgetsLoader(db: Db, periods: Periods, scope: "USER" | "TEAM") {
  return new DataLoader((ownerIds: readonly string[]): Promise<BudgetUsage[][]> =>
    budgetUsagesOfOwners(db, scope, ownerIds, periods.now(), periods.timeZone),
  );
}

type KeysAsked = { userId: string; first: number; active: boolean | null };

/** Keys of many users: one statement per distinct listing (first, active) asked for in a tick, usually one. */
function apiKeysLoader(db: Db, periods: Periods) {
  return new DataLoader(
    async (asked: readonly KeysAsked[]): Promise<ApiKeyRow[][]> => {
      const now = periods.now();
      const answers = new Map<string, ApiKeyRow[]>();
      const listings = new Map<string, KeysAsked[]>();
      for (const key of asked) {
        const group = listings.get(listingOf(key));
        if (group === undefined) listings.set(listingOf(key), [key]);
        else group.push(key);
      }
      for (const group of listings.values()) {
        const { first, active } = group[0]!;
        const userIds = group.map((key) => key.userId);
        const keys = await apiKeysOfUsers(db, userIds, { first, active, now });
        userIds.forEach((userId, index) => answers.set(`${userId}|${listingOf(group[0]!)}`, keys[index]!));
      }
      return asked.map((key) => answers.get(`${key.userId}|${listingOf(key)}`)!);
    },
    { cacheKeyFn: (key: KeysAsked) => `${key.userId}|${listingOf(key)}` },
  );
}
const listingOf = (key: KeysAsked) => `${key.first}|${key.active}`;

const UTC_NOW: Periods = { now: () => new Date(), timeZone: "UTC" };

/**
 * One query per kind of row per request, however many rows a list resolves. `periods` places budgets' periods; the
 * system clock in UTC serves callers that read no budgets.
 */
export function createLoaders(db: Db, periods: Periods = UTC_NOW): Loaders {
  return {
    userById: loaderById((ids) => db.user.findMany({ where: { id: { in: ids } } })),
    teamById: loaderById((ids) => db.team.findMany({ where: { id: { in: ids } } })),
    apiKeyById: loaderById((ids) => apiKeysById(db, ids)),
    membersByTeamId: new DataLoader(async (teamIds: readonly string[]) => {
      const members = await db.user.findMany({ where: { teamId: { in: [...teamIds] } }, orderBy: { email: "asc" } });
      const byTeam = new Map<string, typeof members>(teamIds.map((teamId) => [teamId, []]));
      for (const member of members) byTeam.get(member.teamId!)?.push(member);
      return teamIds.map((teamId) => byTeam.get(teamId)!);
    }),
    generationById: loaderById((ids) =>
      db.imageGeneration.findMany({ where: { id: { in: ids } }, include: WITH_IMAGES }),
    ),
    userSpend: spendLoader((windows) => spendMicrosOfUsers(db, windows)),
    teamSpend: spendLoader((windows) => spendMicrosOfTeams(db, windows)),
    userBudgets: budgetsLoader(db, periods, "USER"),
    teamBudgets: budgetsLoader(db, periods, "TEAM"),
    apiKeys: apiKeysLoader(db, periods),
    sourcesByGenerationId: new DataLoader((ids: readonly string[]) => sourcesOfGenerations(db, ids)),
  };
}
