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

/** A row of the price history: in force over [effectiveFrom, effectiveTo); effectiveTo null while no later one. */
export interface PriceHistoryRecord extends PriceRecord {
  effectiveTo: Date | null;
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

/** Every price, past, in force and scheduled, oldest first per model, size and quality. */
export async function priceHistory(db: Db): Promise<PriceHistoryRecord[]> {
  return db.$queryRaw<PriceHistoryRecord[]>`
    SELECT id, model, size, quality, per_image_micros AS "perImageMicros", effective_from AS "effectiveFrom",
           lead(effective_from) OVER (PARTITION BY model, size, quality ORDER BY effective_from) AS "effectiveTo"
      FROM prices
     ORDER BY model, size, quality, effective_from`;
}

export interface SetPriceInput {
  model: ImageModel;
  size: ImageSize;
  quality: ImageQuality;
  perImageMicros: bigint;
  effectiveFrom: Date;
  actorId: string;
  /** The server's clock: an effectiveFrom before it is a backdated price. */
  now: Date;
}

export async function addPrice(tx: Tx, input: SetPriceInput): Promise<PriceRecord> {
  const spec = CATALOG[input.model];
  if (!spec.sizes.includes(input.size)) throw badInput("size", `${input.model} has no size ${input.size}`);
  if (!spec.qualities.includes(input.quality)) {
    throw badInput("quality", `${input.model} has no quality ${input.quality}`);
  }
  if (input.perImageMicros <= 0n) throw badInput("perImage", "perImage must be positive");
  checkDate("effectiveFrom", input.effectiveFrom);
  const backdated = input.effectiveFrom.getTime() < input.now.getTime();
  if (backdated) {
    await lockPrices(tx);
    const later = await tx.price.findFirst({
      where: {
        model: input.model,
        size: input.size,
        quality: input.quality,
        effectiveFrom: { gt: input.effectiveFrom },
      },
      orderBy: { effectiveFrom: "asc" },
    });
    if (later !== null) throw overriddenBackdate(later.effectiveFrom);
  }
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
      after: backdated ? { ...price, backdated: true, recordedAt: input.now } : price,
    });
    return price;
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw badInput("effectiveFrom", "A price for this model, size and quality already starts at that time");
    }
    throw error;
  }
}

/** Backdated prices are checked against the later ones under one lock, so two cannot slip past each other. */
export async function lockPrices(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('imagegate.prices'))`;
}

/**
 * A backdated price that a later existing one overrides would only rewrite the past: generations keep the price
 * they were charged at, so it would change no charge while making the history say otherwise.
 */
export function overriddenBackdate(laterFrom: Date) {
  return badInput(
    "effectiveFrom",
    `effectiveFrom is in the past and a later price (from ${laterFrom.toISOString()}) already overrides it: it ` +
      "would change no charge (generations keep the price they were charged at) and only rewrite the history; " +
      "set the price from now, or from a future time",
  );
}
