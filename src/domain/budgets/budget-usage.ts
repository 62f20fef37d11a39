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

interface Row {
  id: string;
  period: BudgetPeriod;
  userId: string | null;
  teamId: string | null;
  limitMicros: bigint;
  alertThresholds: number[];
  spentMicros: bigint;
  heldMicros: bigint;
}

/**
 * The budgets of a user and of a team, each with what has been spent in its current period and what is held now.
 * One statement, so spent and held come from one snapshot: a settle moving a hold into spend between two reads
 * could otherwise make both miss it.
 */
export async function budgetUsages(
  db: Db | Tx,
  owners: { userId: string | null; teamId: string | null },
  at: Date,
  timeZone: string,
): Promise<BudgetUsage[]> {
  const windows = {
    DAILY: periodWindow("DAILY", at, timeZone),
    WEEKLY: periodWindow("WEEKLY", at, timeZone),
    MONTHLY: periodWindow("MONTHLY", at, timeZone),
    TOTAL: periodWindow("TOTAL", at, timeZone),
  };
  const day = (date: Date | null) => (date === null ? "infinity" : localDay(date, timeZone));
  const rows = await db.$queryRaw<Row[]>`
    WITH bounds AS (
      SELECT * FROM (VALUES
        ('DAILY'::"BudgetPeriod", ${day(windows.DAILY.start)}::date, ${day(windows.DAILY.end)}::date),
        ('WEEKLY'::"BudgetPeriod", ${day(windows.WEEKLY.start)}::date, ${day(windows.WEEKLY.end)}::date),
        ('MONTHLY'::"BudgetPeriod", ${day(windows.MONTHLY.start)}::date, ${day(windows.MONTHLY.end)}::date),
        ('TOTAL'::"BudgetPeriod", '-infinity'::date, 'infinity'::date)
      ) AS bound(period, first_day, end_day))
    SELECT b.id, b.period::text AS period, b.user_id AS "userId", b.team_id AS "teamId",
           b.limit_micros AS "limitMicros", b.alert_thresholds AS "alertThresholds",
           CASE WHEN b.user_id IS NOT NULL
             THEN (SELECT COALESCE(SUM(s.cost_micros), 0) FROM spend_daily s
                    WHERE s.user_id = b.user_id AND s.day >= bound.first_day AND s.day < bound.end_day)
             ELSE (SELECT COALESCE(SUM(s.cost_micros), 0) FROM spend_daily s
                    WHERE s.team_key = b.team_id AND s.day >= bound.first_day AND s.day < bound.end_day)
           END::bigint AS "spentMicros",
           CASE WHEN b.user_id IS NOT NULL
             THEN (SELECT u.reserved_micros FROM users u WHERE u.id = b.user_id)
             ELSE (SELECT COALESCE(SUM(h.amount_micros), 0) FROM holds h WHERE h.team_id = b.team_id AND h.status = 'OPEN')
           END::bigint AS "heldMicros"
      FROM budgets b JOIN bounds bound ON bound.period = b.period
     WHERE b.user_id = ${owners.userId}::uuid OR b.team_id = ${owners.teamId}::uuid
     ORDER BY b.user_id NULLS LAST, b.period`;
  return rows.map((row) => ({
    ...row,
    scope: row.userId === null ? "TEAM" : "USER",
    periodStart: windows[row.period].start,
    periodEnd: windows[row.period].end,
  }));
}

/** What a new request may still spend under a budget (never negative). */
export const remainingMicros = (usage: BudgetUsage): bigint => {
  const remaining = usage.limitMicros - usage.spentMicros - usage.heldMicros;
  return remaining > 0n ? remaining : 0n;
};
