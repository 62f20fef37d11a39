import type { Db, Tx } from "../db";
import { localDay, periodWindow, type BudgetPeriod } from "./periods";

export type BudgetScope = "USER" | "TEAM";

export interface BudgetUsage {
  id: string;
  period: BudgetPeriod;
  scope: BudgetScope;
  userId: string | null;
  teamId: string | null;
  limitMicros: bigint;
  alertThresholds: number[];
  /** Net charged in the current period (charges less refunds), from the daily aggregates. */
  spentMicros: bigint;
  /** Held right now by generations in flight of the budget's user, or of its team's members. */
  heldMicros: bigint;
  periodStart: Date;
  /** null for TOTAL. */
  periodEnd: Date | null;
}

/** A row of imagegate_budget_usages: a usage before its scope and window are derived. */
type Row = Omit<BudgetUsage, "scope" | "periodStart" | "periodEnd">;

type PeriodBounds = ReturnType<typeof computePeriodBounds>;

// Every request asks for the bounds of its instant, and they change only at local midnight: remember each zone's
// bounds for the day they were computed for.
const boundsByZone = new Map<string, { day: string; bounds: PeriodBounds }>();

/** The local calendar days that bound each period containing `at`: the budget usage function's parameters. */
export function periodBounds(at: Date, timeZone: string): PeriodBounds {
  const day = localDay(at, timeZone);
  const cached = boundsByZone.get(timeZone);
  if (cached?.day === day) return cached.bounds;
  const bounds = computePeriodBounds(at, timeZone);
  boundsByZone.set(timeZone, { day, bounds });
  return bounds;
}

function computePeriodBounds(at: Date, timeZone: string) {
  const windows = {
    DAILY: periodWindow("DAILY", at, timeZone),
    WEEKLY: periodWindow("WEEKLY", at, timeZone),
    MONTHLY: periodWindow("MONTHLY", at, timeZone),
    TOTAL: periodWindow("TOTAL", at, timeZone),
  };
  const day = (date: Date | null) => (date === null ? "infinity" : localDay(date, timeZone));
  const days = [
    day(windows.DAILY.start),
    day(windows.DAILY.end),
    day(windows.WEEKLY.start),
    day(windows.WEEKLY.end),
    day(windows.MONTHLY.start),
    day(windows.MONTHLY.end),
  ] as const;
  return { windows, days };
}

/**
 * The budgets of a user and of a team, each with what has been spent in its current period and what is held now,
 * from `imagegate_budget_usages`: the same definition the hold's check uses (migration generation_functions).
 */
export async function budgetUsages(
  db: Db | Tx,
  owners: { userId: string | null; teamId: string | null },
  at: Date,
  timeZone: string,
): Promise<BudgetUsage[]> {
  const { windows, days } = periodBounds(at, timeZone);
  const rows = await db.$queryRaw<Row[]>`
    SELECT id, period::text AS period, user_id AS "userId", team_id AS "teamId", limit_micros AS "limitMicros",
           alert_thresholds AS "alertThresholds", spent_micros AS "spentMicros", held_micros AS "heldMicros"
      FROM imagegate_budget_usages(${owners.userId}::uuid, ${owners.teamId}::uuid, ${days[0]}::date, ${days[1]}::date,
                                   ${days[2]}::date, ${days[3]}::date, ${days[4]}::date, ${days[5]}::date)`;
  return rows.map((row) => toUsage(row, windows));
}

function toUsage(row: Row, windows: PeriodBounds["windows"]): BudgetUsage {
  return {
    ...row,
    scope: row.userId === null ? "TEAM" : "USER",
    periodStart: windows[row.period].start,
    periodEnd: windows[row.period].end,
  };
}

/**
 * The budgets of many users (scope USER), or of many teams (scope TEAM), in one statement: each owner's list in the
 * order of `ownerIds`, as budgetUsages gives it for one owner. For lists whose rows each show their budgets.
 */
export async function budgetUsagesOfOwners(
  db: Db,
  scope: BudgetScope,
  ownerIds: readonly string[],
  at: Date,
  timeZone: string,
): Promise<BudgetUsage[][]> {
  if (ownerIds.length === 0) return [];
  const { windows, days } = periodBounds(at, timeZone);
  const users = scope === "USER" ? [...ownerIds] : ownerIds.map(() => null);
  const teams = scope === "TEAM" ? [...ownerIds] : ownerIds.map(() => null);
  const rows = await db.$queryRaw<(Row & { ord: number })[]>`
    SELECT o.ord::int AS ord, u.id, u.period::text AS period, u.user_id AS "userId", u.team_id AS "teamId",
           u.limit_micros AS "limitMicros", u.alert_thresholds AS "alertThresholds", u.spent_micros AS "spentMicros",
           u.held_micros AS "heldMicros"
      FROM unnest(${users}::uuid[], ${teams}::uuid[]) WITH ORDINALITY AS o(user_id, team_id, ord)
      CROSS JOIN LATERAL imagegate_budget_usages(o.user_id, o.team_id, ${days[0]}::date, ${days[1]}::date,
                                                 ${days[2]}::date, ${days[3]}::date, ${days[4]}::date,
                                                 ${days[5]}::date) u
     ORDER BY o.ord, u.period`;
  const byOwner = ownerIds.map((): BudgetUsage[] => []);
  for (const { ord, ...row } of rows) byOwner[ord - 1]!.push(toUsage(row, windows));
  return byOwner;
}

/** What a new request may still spend under a budget (never negative). */
export const remainingMicros = (usage: BudgetUsage): bigint => {
  const remaining = usage.limitMicros - usage.spentMicros - usage.heldMicros;
  return remaining > 0n ? remaining : 0n;
};
