import type { Db, Tx } from "../db";
import { DomainError } from "../errors";
import { formatMoney } from "../money";

// Two-phase spending: a hold reserves credit before the provider is called; it is then resolved exactly once,
// either SETTLED (the actual cost is charged, the rest of the hold freed) or RELEASED (nothing charged).
// `users.reserved_micros` is the sum of a user's OPEN holds, kept in the same statements that open and resolve them.

export interface HoldRequest {
  userId: string;
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
    INSERT INTO holds (id, user_id, generation_id, amount_micros, status, expires_at)
    VALUES (gen_random_uuid(), ${hold.userId}::uuid, ${hold.generationId}::uuid, ${hold.amountMicros}, 'OPEN', ${hold.expiresAt})`;
}

/**
 * Charges `costMicros` (at most the hold) and frees the hold, in one statement: the CHARGE ledger row, the balance
 * and the reservation move together. Returns false when the hold is no longer open (it expired and was released).
 */
export async function settleHold(tx: Tx, settle: { generationId: string; costMicros: bigint }): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    WITH hold AS (
      UPDATE holds SET status = 'SETTLED', resolved_at = now()
       WHERE generation_id = ${settle.generationId}::uuid AND status = 'OPEN' AND amount_micros >= ${settle.costMicros}
       RETURNING user_id, amount_micros),
    account AS (
      UPDATE users SET balance_micros = balance_micros - ${settle.costMicros},
                       reserved_micros = reserved_micros - hold.amount_micros
        FROM hold WHERE users.id = hold.user_id
       RETURNING users.id, users.balance_micros)
    INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id)
    SELECT gen_random_uuid(), account.id, 'CHARGE', ${-settle.costMicros}, account.balance_micros, ${settle.generationId}::uuid
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
