import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../../src/domain/db";
import type { ImageModel, ImageQuality, ImageSize } from "../../src/domain/enums";

// History that the API cannot make (charges at chosen past instants), written the way the settle and refund
// paths write it: the generation, its ledger entry, the user's balance and the day's aggregate, in one statement,
// with the day picked by `(at AT TIME ZONE zone)::date`. Balances stay equal to their ledgers (verify-ledger).

const NO_TEAM = "00000000-0000-0000-0000-000000000000";

export interface FixtureCharge {
  userId: string;
  teamId?: string | null;
  model: ImageModel;
  size: ImageSize;
  quality: ImageQuality;
  n: number;
  costMicros: bigint;
  at: Date;
  apiKeyId?: string | null;
  /** Stored as given: normalise them first (normalizeTags) as the API would. */
  tags?: string[];
}

/** A SUCCEEDED generation charged at `at`; returns its id. The user needs the credit (CHECK balance >= reserved). */
export async function insertCharge(db: Db | Tx, charge: FixtureCharge, timeZone: string): Promise<string> {
  const id = randomUUID();
  const teamId = charge.teamId ?? null;
  const inserted = await db.$executeRaw`
    WITH account AS (
      UPDATE users SET balance_micros = balance_micros - ${charge.costMicros} WHERE id = ${charge.userId}::uuid
      RETURNING id, balance_micros),
    generation AS (
      INSERT INTO image_generations (id, user_id, status, provider, model, requested_model, size, width, height,
                                     quality, n, prompt, response_format, price_id, per_image_micros, hold_micros,
                                     cost_micros, team_id, created_at, completed_at, api_key_id, tags)
      SELECT ${id}::uuid, ${charge.userId}::uuid, 'SUCCEEDED', 'local', p.model, p.model, p.size,
             split_part(substr(p.size::text, 6), 'X', 1)::int, split_part(substr(p.size::text, 6), 'X', 2)::int,
             p.quality, ${charge.n},
             'fixture', 'URL', p.id, p.per_image_micros, ${charge.costMicros}, ${charge.costMicros}, ${teamId}::uuid,
             ${charge.at}, ${charge.at}, ${charge.apiKeyId ?? null}::uuid, ${charge.tags ?? []}::text[]
        FROM prices p
       WHERE p.model = ${charge.model}::"ImageModel" AND p.size = ${charge.size}::"ImageSize"
         AND p.quality = ${charge.quality}::"ImageQuality"
       ORDER BY p.effective_from DESC LIMIT 1
      RETURNING id, model, size, quality, n),
    daily AS (
      INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT (${charge.at}::timestamptz AT TIME ZONE ${timeZone}::text)::date, ${charge.userId}::uuid,
             COALESCE(${teamId}::uuid, ${NO_TEAM}::uuid), g.model, g.size, g.quality, 1, g.n, ${charge.costMicros}
        FROM generation g
      ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
        SET requests = s.requests + 1, images = s.images + EXCLUDED.images,
            cost_micros = s.cost_micros + EXCLUDED.cost_micros)
    INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
    SELECT gen_random_uuid(), account.id, 'CHARGE', ${-charge.costMicros}, account.balance_micros, generation.id,
           ${charge.at}
      FROM account, generation`;
  if (inserted !== 1) throw new Error(`no price for ${charge.model} ${charge.size} ${charge.quality}`);
  return id;
}

/** Gives a generation's whole cost back at `at`: counted on that day, with the generation's dimensions. */
export async function insertRefund(db: Db, generationId: string, at: Date, timeZone: string): Promise<void> {
  await db.$executeRaw`
    WITH g AS (
      UPDATE image_generations SET refunded_at = ${at} WHERE id = ${generationId}::uuid AND refunded_at IS NULL
      RETURNING *),
    account AS (
      UPDATE users SET balance_micros = balance_micros + g.cost_micros FROM g WHERE users.id = g.user_id
      RETURNING users.id, users.balance_micros),
    daily AS (
      INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT (${at}::timestamptz AT TIME ZONE ${timeZone}::text)::date, g.user_id,
             COALESCE(g.team_id, ${NO_TEAM}::uuid), g.model, g.size, g.quality, 0, 0, -g.cost_micros
        FROM g
      ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
        SET cost_micros = s.cost_micros + EXCLUDED.cost_micros)
    INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, reason, generation_id, created_at)
    SELECT gen_random_uuid(), account.id, 'REFUND', g.cost_micros, account.balance_micros, 'fixture', g.id, ${at}
      FROM account, g`;
}

export async function insertTeam(db: Db, name: string): Promise<string> {
  const team = await db.team.create({ data: { name } });
  return team.id;
}

/** Net spend in [from, to) straight from the ledger: what every report total must equal. */
export async function ledgerTotals(db: Db, from: Date, to: Date) {
  const rows = await db.$queryRaw<{ cost: bigint; requests: bigint; images: bigint }[]>`
    SELECT COALESCE(-SUM(l.amount_micros), 0)::int8 AS cost,
           COUNT(*) FILTER (WHERE l.kind = 'CHARGE')::int8 AS requests,
           COALESCE(SUM(g.n) FILTER (WHERE l.kind = 'CHARGE'), 0)::int8 AS images
      FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
     WHERE l.kind IN ('CHARGE', 'REFUND') AND l.created_at >= ${from} AND l.created_at < ${to}`;
  const row = rows[0]!;
  return { costMicros: row.cost, requests: Number(row.requests), images: Number(row.images) };
}

export interface LedgerSpendEntry {
  kind: "CHARGE" | "REFUND";
  amountMicros: bigint;
  createdAt: Date;
  userId: string;
  teamId: string | null;
  model: ImageModel;
  size: ImageSize;
  quality: ImageQuality;
  n: number;
  apiKeyId: string | null;
  tags: string[];
  /** The first instant of the entry's local day in the zone asked for. */
  day: Date;
}

/** Every CHARGE and REFUND of [from, to) with its generation's dimensions, to group independently of the report. */
export function ledgerSpendEntries(db: Db, from: Date, to: Date, timeZone: string): Promise<LedgerSpendEntry[]> {
  return db.$queryRaw<LedgerSpendEntry[]>`
    SELECT l.kind::text AS kind, l.amount_micros AS "amountMicros", l.created_at AS "createdAt",
           l.user_id::text AS "userId", g.team_id::text AS "teamId", g.model::text AS model, g.size::text AS size,
           g.quality::text AS quality, g.n, g.api_key_id::text AS "apiKeyId", COALESCE(g.tags, '{}') AS tags,
           ((l.created_at AT TIME ZONE ${timeZone}::text)::date::timestamp AT TIME ZONE ${timeZone}::text) AS day
      FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
     WHERE l.kind IN ('CHARGE', 'REFUND') AND l.created_at >= ${from} AND l.created_at < ${to}`;
}
