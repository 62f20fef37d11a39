import { CATALOG } from "../catalog";
import type { Db, Tx } from "../db";
import { isUniqueViolation } from "../db";
import { recordAudit } from "../audit/audit-log";
import type { ImageModel, ImageQuality, ImageSize } from "../enums";
import { checkDate } from "../dates";
import { badInput } from "../errors";

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

export async function pricesInForce(db: Db, at: Date): Promise<PriceRecord[]> {
  return db.$queryRaw<PriceRecord[]>`
    SELECT DISTINCT ON (model, size, quality)
           id, model, size, quality, per_image_micros AS "perImageMicros", effective_from AS "effectiveFrom"
      FROM prices
     WHERE effective_from <= ${at}
     ORDER BY model, size, quality, effective_from DESC`;
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
  checkDate("effectiveFrom", input.effectiveFrom);
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
    await recordAudit(tx, {
      actorId: input.actorId,
      action: "setPrice",
      targetType: "Price",
      targetId: price.id,
      after: price,
    });
    return price;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw badInput("effectiveFrom", "A price for this model, size and quality already starts at that time");
    }
    throw error;
  }
}
