import { CATALOG } from "../catalog";
import type { Db, Tx } from "../db";
import { isUniqueViolation } from "../db";
import { recordAudit } from "../audit/audit-log";
import type { ImageModel, ImageQuality, ImageSize } from "../enums";
import { DomainError, badInput } from "../errors";
import type { TokenRates } from "./cost";

export interface PriceRecord {
  id: string;
  model: ImageModel;
  size: ImageSize;
  quality: ImageQuality;
  perImageMicros: bigint;
  effectiveFrom: Date;
}

// The pricing matrix is append-only: a change is a new row with an effective time, so that every generation
// keeps pointing at the row it was charged at.

export async function priceInForce(
  db: Db | Tx,
  key: { model: ImageModel; size: ImageSize; quality: ImageQuality },
  at: Date,
): Promise<PriceRecord> {
  const price = await db.price.findFirst({
    where: { model: key.model, size: key.size, quality: key.quality, effectiveFrom: { lte: at } },
    orderBy: { effectiveFrom: "desc" },
  });
  if (price === null) {
    throw new DomainError("BAD_USER_INPUT", `No price is set for ${key.model} ${key.size} ${key.quality}`, {
      field: "input.model",
    });
  }
  return price;
}

export async function pricesInForce(db: Db, at: Date): Promise<PriceRecord[]> {
  return db.$queryRaw<PriceRecord[]>`
    SELECT DISTINCT ON (model, size, quality)
           id, model, size, quality, per_image_micros AS "perImageMicros", effective_from AS "effectiveFrom"
      FROM prices
     WHERE effective_from <= ${at}
     ORDER BY model, size, quality, effective_from DESC`;
}

export async function tokenRatesInForce(db: Db | Tx, model: ImageModel, at: Date): Promise<TokenRates | undefined> {
  const rows = await db.$queryRaw<{ kind: string; rate: bigint }[]>`
    SELECT DISTINCT ON (kind) kind::text AS kind, per_million_tokens_micros AS rate
      FROM token_prices
     WHERE model = ${model}::"ImageModel" AND effective_from <= ${at}
     ORDER BY kind, effective_from DESC`;
  const rate = (kind: string) => rows.find((row) => row.kind === kind)?.rate;
  const textInput = rate("TEXT_INPUT");
  const imageOutput = rate("IMAGE_OUTPUT");
  if (textInput === undefined || imageOutput === undefined) return undefined;
  return {
    textInputPerMillionMicros: textInput,
    imageInputPerMillionMicros: rate("IMAGE_INPUT") ?? 0n,
    imageOutputPerMillionMicros: imageOutput,
  };
}

export interface SetPriceInput {
  model: ImageModel;
  size: ImageSize;
  quality: ImageQuality;
  perImageMicros: bigint;
  effectiveFrom: Date;
  actorId: string;
}

export async function addPrice(tx: Tx, input: SetPriceInput): Promise<PriceRecord> {
  const spec = CATALOG[input.model];
  if (!spec.sizes.includes(input.size)) throw badInput("size", `${input.model} has no size ${input.size}`);
  if (!spec.qualities.includes(input.quality)) {
    throw badInput("quality", `${input.model} has no quality ${input.quality}`);
  }
  if (input.perImageMicros <= 0n) throw badInput("perImage", "perImage must be positive");
  try {
    const price = await tx.price.create({
      data: {
        model: input.model,
        size: input.size,
        quality: input.quality,
        perImageMicros: input.perImageMicros,
        effectiveFrom: input.effectiveFrom,
        createdById: input.actorId,
      },
    });
    await recordAudit(tx, { actorId: input.actorId, action: "setPrice", targetType: "Price", targetId: price.id, after: price });
    return price;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw badInput("effectiveFrom", "A price for this model, size and quality already starts at that time");
    }
    throw error;
  }
}
