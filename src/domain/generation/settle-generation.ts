import type { ImageGeneration } from "../../generated/prisma/client";
import type { Db, Tx } from "../db";
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
  const { generationId, costMicros, usage, images, at } = args;
  const rows = await db.$queryRaw<ImageGeneration[]>`
    WITH hold AS (
      UPDATE holds SET status = 'SETTLED', resolved_at = ${at}
       WHERE generation_id = ${generationId}::uuid AND status = 'OPEN' AND amount_micros >= ${costMicros}
       RETURNING user_id, team_id, amount_micros),
    account AS (
      UPDATE users SET balance_micros = balance_micros - ${costMicros},
                       reserved_micros = reserved_micros - hold.amount_micros
        FROM hold WHERE users.id = hold.user_id
       RETURNING users.id, users.balance_micros),
    charge AS (
      INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
      SELECT gen_random_uuid(), account.id, 'CHARGE', ${-costMicros}, account.balance_micros, ${generationId}::uuid, ${at}
        FROM account
      RETURNING id),
    generation AS (
      UPDATE image_generations
         SET status = 'SUCCEEDED', cost_micros = ${costMicros}, completed_at = ${at},
             input_text_tokens = ${usage?.inputTextTokens ?? null}::integer,
             input_image_tokens = ${usage?.inputImageTokens ?? null}::integer,
             output_tokens = ${usage?.outputTokens ?? null}::integer
       WHERE id = ${generationId}::uuid AND EXISTS (SELECT 1 FROM charge)
      RETURNING *),
    stored AS (
      INSERT INTO generated_images (generation_id, index, storage_key, content_type, width, height, revised_prompt)
      SELECT generation.id, image.index, image.storage_key, image.content_type, image.width, image.height,
             image.revised_prompt
        FROM generation,
             unnest(${images.map((image) => image.index)}::integer[], ${images.map((image) => image.storageKey)}::text[],
                    ${images.map((image) => image.contentType)}::text[], ${images.map((image) => image.width)}::integer[],
                    ${images.map((image) => image.height)}::integer[], ${images.map((image) => image.revisedPrompt)}::text[])
               AS image(index, storage_key, content_type, width, height, revised_prompt)),
    daily AS (
      INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT (${at}::timestamptz AT TIME ZONE ${args.timeZone}::text)::date, generation.user_id,
             COALESCE(generation.team_id, ${NO_TEAM}::uuid), generation.model, generation.size, generation.quality,
             1, generation.n, ${costMicros}
        FROM generation
      ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
        SET requests = s.requests + 1, images = s.images + EXCLUDED.images, cost_micros = s.cost_micros + EXCLUDED.cost_micros)
    SELECT id, user_id AS "userId", status::text AS status, provider, model::text AS model, size::text AS size,
           quality::text AS quality, style::text AS style, n, prompt, response_format AS "responseFormat", moderation,
           idempotency_key AS "idempotencyKey", price_id AS "priceId", per_image_micros AS "perImageMicros",
           hold_micros AS "holdMicros", cost_micros AS "costMicros", input_text_tokens AS "inputTextTokens",
           input_image_tokens AS "inputImageTokens", output_tokens AS "outputTokens", error_code AS "errorCode",
           team_id AS "teamId", refunded_at AS "refundedAt", created_at AS "createdAt", completed_at AS "completedAt"
      FROM generation`;
  const generation = rows[0];
  return generation === undefined ? null : { ...generation, images };
}
