import type { ImageGeneration } from "../../generated/prisma/client";
import { queryPrepared, type Db, type PreparedStatement, type Tx } from "../db";
import { NO_TEAM } from "../ledger/holds";
import type { TokenUsage } from "../pricing/cost";
import type { GenerationRecord, ImageRecord } from "./generation-record";

export interface SettleArgs {
  generationId: string;
  costMicros: bigint;
  usage: TokenUsage | undefined;
  images: ImageRecord[];
  /** Stamps the ledger row and completion, and picks the spend aggregate's day in `timeZone`. */
  at: Date;
  timeZone: string;
}

/**
 * Completes a generation in one statement, so it is one round trip and atomic without a transaction: the hold is
 * SETTLED (only if still OPEN, and never for more than it holds), the balance is charged and the reservation
 * freed, the CHARGE ledger row, the day's spend aggregate, the images and the SUCCEEDED status are written
 * together. Returns null when the hold was no longer open (it expired and was released): nothing was written.
 */
export async function settleGeneration(db: Db | Tx, args: SettleArgs): Promise<GenerationRecord | null> {
  const { images, usage } = args;
  const rows = await queryPrepared<ImageGeneration>(db, SETTLE_GENERATION, [
    args.at,
    args.generationId,
    args.costMicros,
    usage?.inputTextTokens ?? null,
    usage?.inputImageTokens ?? null,
    usage?.outputTokens ?? null,
    images.map((image) => image.index),
    images.map((image) => image.storageKey),
    images.map((image) => image.contentType),
    images.map((image) => image.width),
    images.map((image) => image.height),
    images.map((image) => image.revisedPrompt),
    args.timeZone,
    NO_TEAM,
  ]);
  const generation = rows[0];
  return generation === undefined ? null : { ...generation, images };
}

const SETTLE_GENERATION: PreparedStatement = {
  name: "imagegate_settle_generation",
  // $1 at, $2 generation id, $3 cost, $4-$6 token usage, $7-$12 the images' columns, $13 time zone, $14 NO_TEAM.
  text: `
    WITH hold AS (
      UPDATE holds SET status = 'SETTLED', resolved_at = $1::timestamptz
       WHERE generation_id = $2::uuid AND status = 'OPEN' AND amount_micros >= $3::bigint
       RETURNING user_id, team_id, amount_micros),
    account AS (
      UPDATE users SET balance_micros = balance_micros - $3::bigint,
                       reserved_micros = reserved_micros - hold.amount_micros
        FROM hold WHERE users.id = hold.user_id
       RETURNING users.id, users.balance_micros),
    charge AS (
      INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
      SELECT gen_random_uuid(), account.id, 'CHARGE', -$3::bigint, account.balance_micros, $2::uuid, $1::timestamptz
        FROM account
      RETURNING id),
    generation AS (
      UPDATE image_generations
         SET status = 'SUCCEEDED', cost_micros = $3::bigint, completed_at = $1::timestamptz,
             input_text_tokens = $4::integer, input_image_tokens = $5::integer, output_tokens = $6::integer
       WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM charge)
      RETURNING *),
    stored AS (
      INSERT INTO generated_images (generation_id, index, storage_key, content_type, width, height, revised_prompt)
      SELECT generation.id, image.index, image.storage_key, image.content_type, image.width, image.height,
             image.revised_prompt
        FROM generation,
             unnest($7::integer[], $8::text[], $9::text[], $10::integer[], $11::integer[], $12::text[])
               AS image(index, storage_key, content_type, width, height, revised_prompt)),
    daily AS (
      INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT ($1::timestamptz AT TIME ZONE $13::text)::date, generation.user_id,
             COALESCE(generation.team_id, $14::uuid), generation.model, generation.size, generation.quality,
             1, generation.n, $3::bigint
        FROM generation
      ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
        SET requests = s.requests + 1, images = s.images + EXCLUDED.images, cost_micros = s.cost_micros + EXCLUDED.cost_micros)
    SELECT id, user_id AS "userId", status::text AS status, provider, model::text AS model, size::text AS size,
           quality::text AS quality, style::text AS style, n, prompt, response_format AS "responseFormat", moderation,
           idempotency_key AS "idempotencyKey", price_id AS "priceId", per_image_micros AS "perImageMicros",
           hold_micros AS "holdMicros", cost_micros AS "costMicros", input_text_tokens AS "inputTextTokens",
           input_image_tokens AS "inputImageTokens", output_tokens AS "outputTokens", error_code AS "errorCode",
           team_id AS "teamId", refunded_at AS "refundedAt", created_at AS "createdAt", completed_at AS "completedAt"
      FROM generation`,
};
