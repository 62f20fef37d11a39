import type { Db, Tx } from "../db";

// Two-phase spending: a hold reserves credit before the provider is called (imagegate_open_generation); it is then
// resolved exactly once, either SETTLED (generation/settle-generation.ts: the actual cost is charged, the rest of
// the hold freed) or RELEASED (here: nothing charged). `users.reserved_micros` is the sum of a user's OPEN holds,
// kept in the same statements that open and resolve them.

/** The team key of spend aggregates for a user in no team (a key column cannot be null). */
export const NO_TEAM = "00000000-0000-0000-0000-000000000000";

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
