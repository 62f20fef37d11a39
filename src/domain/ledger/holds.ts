import type { Db, Tx } from "../db";
import { DomainError } from "../errors";
import { formatMoney } from "../money";

// Two-phase spending: a hold reserves credit before the provider is called; it is then resolved exactly once,
// either SETTLED (the actual cost is charged, the rest of the hold freed) or RELEASED (nothing charged).
// `users.reserved_micros` is the sum of a user's OPEN holds, kept in the same statements that open and resolve them.

export interface HoldRequest {
  userId: string;
  /** The user's team now: team budgets count the holds of all its members. */
  teamId: string | null;
  generationId: string;
  amountMicros: bigint;
  expiresAt: Date;
}

/**
 * Reserves credit, or throws INSUFFICIENT_CREDITS. The conditional UPDATE takes the user's row lock, so concurrent
 * holds, from any number of processes, serialize on it and can never reserve more than the balance.
 */
export async function placeHold(tx: Tx, hold: HoldRequest): Promise<void> {
  const reserved = await tx.$executeRaw`
    UPDATE users SET reserved_micros = reserved_micros + ${hold.amountMicros}
     WHERE id = ${hold.userId}::uuid AND balance_micros - reserved_micros >= ${hold.amountMicros}`;
  if (reserved !== 1) {
    throw new DomainError(
      "INSUFFICIENT_CREDITS",
      `Not enough credit: this request needs ${formatMoney(hold.amountMicros)}`,
      {
        required: formatMoney(hold.amountMicros),
      },
    );
  }
  await tx.$executeRaw`
    INSERT INTO holds (id, user_id, team_id, generation_id, amount_micros, status, expires_at)
    VALUES (gen_random_uuid(), ${hold.userId}::uuid, ${hold.teamId}::uuid, ${hold.generationId}::uuid,
            ${hold.amountMicros}, 'OPEN', ${hold.expiresAt})`;
}

export const NO_TEAM = "00000000-0000-0000-0000-000000000000";

/**
 * Charges `costMicros` (at most the hold) and frees the hold, in one statement: the CHARGE ledger row, the balance,
 * the reservation and the day's spend aggregate move together. `at` stamps the ledger row and picks the aggregate's
 * day in `timeZone`, so reports and the ledger always agree. Returns false when the hold is no longer open (it
 * expired and was released).
 */
export async function settleHold(
  tx: Tx,
  settle: { generationId: string; costMicros: bigint; at: Date; timeZone: string },
): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH hold AS (
      UPDATE holds SET status = 'SETTLED', resolved_at = ${settle.at}
       WHERE generation_id = ${settle.generationId}::uuid AND status = 'OPEN' AND amount_micros >= ${settle.costMicros}
       RETURNING user_id, team_id, amount_micros),
    account AS (
      UPDATE users SET balance_micros = balance_micros - ${settle.costMicros},
                       reserved_micros = reserved_micros - hold.amount_micros
        FROM hold WHERE users.id = hold.user_id
       RETURNING users.id, users.balance_micros),
    daily AS (
      INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT (${settle.at}::timestamptz AT TIME ZONE ${settle.timeZone}::text)::date, hold.user_id,
             COALESCE(hold.team_id, ${NO_TEAM}::uuid), g.model, g.size, g.quality, 1, g.n, ${settle.costMicros}
        FROM hold JOIN image_generations g ON g.id = ${settle.generationId}::uuid
      ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
        SET requests = s.requests + 1, images = s.images + EXCLUDED.images, cost_micros = s.cost_micros + EXCLUDED.cost_micros)
    INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
    SELECT gen_random_uuid(), account.id, 'CHARGE', ${-settle.costMicros}, account.balance_micros,
           ${settle.generationId}::uuid, ${settle.at}
      FROM account
    RETURNING id`;
  return rows.length === 1;
}

/** Frees a hold without charging anything. Returns false when it was already resolved (releasing twice is harmless). */
export async function releaseHold(db: Db | Tx, generationId: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ user_id: string }[]>`
    WITH hold AS (
      UPDATE holds SET status = 'RELEASED', resolved_at = now()
       WHERE generation_id = ${generationId}::uuid AND status = 'OPEN'
       RETURNING user_id, amount_micros)
    UPDATE users SET reserved_micros = reserved_micros - hold.amount_micros
      FROM hold WHERE users.id = hold.user_id
    RETURNING users.id AS user_id`;
  return rows.length === 1;
}
