import { randomUUID } from "node:crypto";
import type { Db } from "../../src/domain/db";
import type { ImageModel } from "../../src/domain/enums";

// Requests and notices straight in the database, at chosen instants: the model-list watch only counts requests and
// sends notices, whatever made them.

const DAY_MS = 86_400_000;

export const daysAfter = (at: Date, days: number) => new Date(at.getTime() + days * DAY_MS);

/** The UTC day `days` after `at`, YYYY-MM-DD. */
export const dayAfter = (at: Date, days: number) => daysAfter(at, days).toISOString().slice(0, 10);

/** A FAILED request made at `at` (no hold, no charge): `model` served it, `requestedModel` (default: the same) asked. */
export async function insertRequest(
  db: Db,
  args: { model: ImageModel; requestedModel?: ImageModel; at: Date },
): Promise<void> {
  const user = await db.user.create({ data: { email: `${randomUUID()}@example.com` } });
  const inserted = await db.$executeRaw`
    INSERT INTO image_generations (id, user_id, status, provider, model, requested_model, size, width, height,
                                   quality, n, prompt, response_format, price_id, per_image_micros, hold_micros,
                                   error_code, created_at, completed_at)
    SELECT gen_random_uuid(), ${user.id}::uuid, 'FAILED', 'openai', p.model, ${args.requestedModel ?? args.model}::"ImageModel",
           p.size, 1024, 1024, p.quality, 1, 'model-list fixture', 'B64_JSON', p.id, p.per_image_micros,
           p.per_image_micros, 'UPSTREAM', ${args.at}, ${args.at}
      FROM prices p WHERE p.model = ${args.model}::"ImageModel" AND p.size <> 'CUSTOM'
     ORDER BY p.effective_from LIMIT 1`;
  if (inserted !== 1) throw new Error(`no price for ${args.model}`);
}

/** Empties what the watch writes and makes the list due again. */
export async function resetModelTables(db: Db): Promise<void> {
  await db.$executeRaw`TRUNCATE model_shutdowns, model_shutdown_notices`;
  await db.$executeRaw`DELETE FROM image_generations WHERE prompt = 'model-list fixture'`;
  await db.$executeRaw`UPDATE model_list_checks SET checked_at = '1970-01-01T00:00:00Z' WHERE id = 1`;
}

export interface NoticeRow {
  model: ImageModel;
  shutdownDate: string;
  requests30d: number;
  deliveredAt: Date | null;
  attempts: number;
  claimedUntil: Date | null;
  lastError: string | null;
}

export function noticeRows(db: Db): Promise<NoticeRow[]> {
  return db.$queryRaw<NoticeRow[]>`
    SELECT model, shutdown_date::text AS "shutdownDate", requests_30d AS "requests30d", delivered_at AS "deliveredAt",
           attempts, claimed_until AS "claimedUntil", last_error AS "lastError"
      FROM model_shutdown_notices ORDER BY model::text, shutdown_date`;
}

export function shutdownRows(db: Db): Promise<{ model: ImageModel; shutdownDate: string; announcedAt: Date }[]> {
  return db.$queryRaw`
    SELECT model, shutdown_date::text AS "shutdownDate", announced_at AS "announcedAt"
      FROM model_shutdowns ORDER BY model::text`;
}
