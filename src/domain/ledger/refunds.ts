import { Prisma } from "../../generated/prisma/client";
import { recordAudit } from "../audit/audit-log";
import type { Db } from "../db";
import { badInput, notFound } from "../errors";
import { isUuid } from "../ids";
import { NO_TEAM } from "./holds";
import { LEDGER_ENTRY_COLUMNS, type LedgerEntryRecord } from "./ledger-entry";

const MAX_REASON_LENGTH = 500;

/**
 * Gives back what a successful generation was charged: a REFUND ledger entry, once per generation (the
 * conditional update of `refunded_at` is the guard, under concurrency too). The refund counts against spend on
 * the day it is made, with the generation's dimensions, so reports show net spend and agree with the ledger.
 */
export async function refundGeneration(
  db: Db,
  args: { actorId: string; generationId: string; reason: string; at: Date; timeZone: string },
): Promise<LedgerEntryRecord> {
  const reason = args.reason.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw badInput("reason", `reason must be 1 to ${MAX_REASON_LENGTH} characters`);
  }
  if (!isUuid(args.generationId)) throw notFound("Generation");

  return db.$transaction(async (tx) => {
    const refunded = await tx.$queryRaw<{ userId: string; costMicros: bigint }[]>`
      UPDATE image_generations SET refunded_at = ${args.at}
       WHERE id = ${args.generationId}::uuid AND status = 'SUCCEEDED' AND refunded_at IS NULL AND cost_micros > 0
       RETURNING user_id AS "userId", cost_micros AS "costMicros"`;
    const generation = refunded[0];
    if (generation === undefined) throw await whyNotRefundable(db, args.generationId);

    const entries = await tx.$queryRaw<LedgerEntryRecord[]>`
      WITH g AS (SELECT * FROM image_generations WHERE id = ${args.generationId}::uuid),
      account AS (
        UPDATE users SET balance_micros = balance_micros + g.cost_micros FROM g WHERE users.id = g.user_id
        RETURNING users.id, users.balance_micros),
      daily AS (
        INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
        SELECT (${args.at}::timestamptz AT TIME ZONE ${args.timeZone}::text)::date, g.user_id,
               COALESCE(g.team_id, ${NO_TEAM}::uuid), g.model, g.size, g.quality, 0, 0, -g.cost_micros
          FROM g
        ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
          SET cost_micros = s.cost_micros + EXCLUDED.cost_micros)
      INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, reason, generation_id, actor_id, created_at)
      SELECT gen_random_uuid(), account.id, 'REFUND', g.cost_micros, account.balance_micros, ${reason}, g.id,
             ${args.actorId}::uuid, ${args.at}
        FROM account, g
      RETURNING ${Prisma.raw(LEDGER_ENTRY_COLUMNS)}`;
    const entry = entries[0]!;
    await recordAudit(tx, {
      actorId: args.actorId,
      action: "refundGeneration",
      targetType: "ImageGeneration",
      targetId: args.generationId,
      after: { refundedMicros: generation.costMicros, reason, ledgerEntryId: entry.id },
    });
    return entry;
  });
}

async function whyNotRefundable(db: Db, generationId: string) {
  const generation = await db.imageGeneration.findUnique({ where: { id: generationId } });
  if (generation === null) return notFound("Generation");
  if (generation.refundedAt !== null) return badInput("id", "this generation was already refunded");
  if (generation.status !== "SUCCEEDED") return badInput("id", "only a successful generation can be refunded");
  return badInput("id", "this generation cost nothing");
}
