import type { Db } from "../db";
import { alertPayload, type AlertForDelivery } from "./alert-webhook";
import type { Outbox } from "./webhook-outbox";

// budget_alerts as an outbox for webhook-outbox.ts: how an alert is claimed (a lease in claimed_until), what is
// sent, and how the outcome is recorded.

export type ClaimedAlert = AlertForDelivery & { attempts: number };

/**
 * budget_alerts as an outbox. An alert that ran out of attempts has next_attempt_at = GAVE_UP_AT, findable with
 * `delivered_at IS NULL AND next_attempt_at = '9999-12-31'`; setting next_attempt_at = now() (and attempts = 0)
 * sends it again.
 */
export function budgetAlertOutbox(db: Db): Outbox<ClaimedAlert> {
  return {
    claim: (now, leasedUntil, tried) => claimDue(db, now, leasedUntil, tried),
    event: (alert) => ({ id: alert.id, payload: alertPayload(alert) }),
    async recordDelivered(alert, at) {
      await db.$executeRaw`
        UPDATE budget_alerts SET delivered_at = ${at}, claimed_until = NULL, last_error = NULL
         WHERE id = ${alert.id}::uuid AND delivered_at IS NULL`;
    },
    async recordFailure(alert, { error, nextTryAt }) {
      await db.$executeRaw`
        UPDATE budget_alerts SET next_attempt_at = ${nextTryAt}, claimed_until = NULL, last_error = ${error}
         WHERE id = ${alert.id}::uuid AND delivered_at IS NULL AND attempts = ${alert.attempts}`;
    },
    describe: (alert) => ({ alertId: alert.id }),
    messages: {
      delivered: "budget alert delivered",
      failed: "budget alert delivery attempt failed",
      gaveUp: "budget alert not delivered: giving up",
    },
  };
}

/**
 * One statement: picks a due alert whose lease is free (SKIP LOCKED keeps concurrent claims apart) and leases it.
 * MATERIALIZED: the pick runs once; a subquery in FROM may be rescanned per joined row and lease several alerts.
 */
async function claimDue(db: Db, now: Date, leasedUntil: Date, tried: readonly ClaimedAlert[]) {
  const rows = await db.$queryRaw<ClaimedAlert[]>`
    WITH due AS MATERIALIZED (
      SELECT id FROM budget_alerts
       WHERE delivered_at IS NULL AND next_attempt_at <= ${now}
         AND (claimed_until IS NULL OR claimed_until <= ${now})
         AND id <> ALL(${tried.map((alert) => alert.id)}::uuid[])
       ORDER BY next_attempt_at, id
       LIMIT 1
         FOR UPDATE SKIP LOCKED)
    UPDATE budget_alerts a
       SET claimed_until = ${leasedUntil}, attempts = a.attempts + 1
      FROM due, budgets b
     WHERE a.id = due.id AND b.id = a.budget_id
    RETURNING a.id, a.budget_id AS "budgetId", b.user_id AS "userId", b.team_id AS "teamId", b.period::text AS period,
              a.period_start AS "periodStart", a.threshold_percent AS "thresholdPercent",
              a.spent_micros AS "spentMicros", a.limit_micros AS "limitMicros", a.created_at AS "createdAt",
              a.attempts`;
  return rows[0];
}
