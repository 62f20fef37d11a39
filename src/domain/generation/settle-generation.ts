import type { ImageGeneration } from "../../generated/prisma/client";
import { queryPrepared, type Db, type PreparedStatement, type Tx } from "../db";
import { NO_TEAM } from "../ledger/holds";
import type { TokenUsage } from "../pricing/cost";
import type { GenerationRecord, ImageRecord } from "./generation-record";

export interface SettleArgs {
  generationId: string;
  costMicros: bigint;
  /** What the usage cost beyond the hold: recorded, not charged. */
  shortfallMicros: bigint;
  usage: TokenUsage | undefined;
  images: ImageRecord[];
  /** Stamps the ledger row and completion, and picks the spend aggregate's day. */
  at: Date;
}

/**
 * Completes generations, any number in one round trip, one transaction and one statement
 * (`imagegate_settle_generations`, prisma/functions/imagegate_settle_generations.sql): per item the hold is SETTLED (only if still OPEN,
 * and never for more than it holds), the balance charged and the reservation freed, the CHARGE ledger row, the
 * day's spend aggregate (its day in the deployment's `timeZone`), the images and the SUCCEEDED status written
 * together. Per item, in order: the generation, or null when its hold was no longer open (it expired and was
 * released): nothing was written for it.
 */
export async function settleGenerations(
  db: Db | Tx,
  batch: SettleArgs[],
  timeZone: string,
): Promise<Array<GenerationRecord | null>> {
  const images = batch.flatMap((args) => args.images);
  const rows = await queryPrepared<ImageGeneration>(db, SETTLE_GENERATIONS, [
    batch.map((args) => args.generationId),
    batch.map((args) => args.costMicros),
    batch.map((args) => args.shortfallMicros),
    batch.map((args) => args.at),
    batch.map((args) => args.usage?.inputTextTokens ?? null),
    batch.map((args) => args.usage?.inputImageTokens ?? null),
    batch.map((args) => args.usage?.outputTokens ?? null),
    images.map((image) => image.generationId),
    images.map((image) => image.index),
    images.map((image) => image.storageKey),
    images.map((image) => image.contentType),
    images.map((image) => image.width),
    images.map((image) => image.height),
    images.map((image) => image.revisedPrompt),
    timeZone,
    NO_TEAM,
  ]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return batch.map((args) => {
    const generation = byId.get(args.generationId);
    return generation === undefined ? null : { ...generation, images: args.images };
  });
}

const SETTLE_GENERATIONS: PreparedStatement = {
  name: "imagegate_settle_generations",
  text: `SELECT id, user_id AS "userId", status::text AS status, provider, model::text AS model,
                requested_model::text AS "requestedModel", size::text AS size, width, height,
                quality::text AS quality, style::text AS style, n, prompt, response_format AS "responseFormat",
                moderation, output_format AS "outputFormat", output_compression AS "outputCompression", background,
                idempotency_key AS "idempotencyKey", price_id AS "priceId", per_image_micros AS "perImageMicros",
                hold_micros AS "holdMicros", cost_micros AS "costMicros", input_text_tokens AS "inputTextTokens",
                input_image_tokens AS "inputImageTokens", output_tokens AS "outputTokens",
                shortfall_micros AS "shortfallMicros", error_code AS "errorCode", team_id AS "teamId",
                refunded_at AS "refundedAt", created_at AS "createdAt", completed_at AS "completedAt"
           FROM imagegate_settle_generations(
             $1::uuid[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::integer[], $6::integer[],
             $7::integer[], $8::uuid[], $9::integer[], $10::text[], $11::text[], $12::integer[], $13::integer[],
             $14::text[], $15::text, $16::uuid)`,
};
