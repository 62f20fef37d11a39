import { recordAudit } from "../audit/audit-log";
import { CATALOG } from "../catalog";
import { checkDate } from "../dates";
import type { Db, Tx } from "../db";
import { isUniqueViolation } from "../db";
import type { ImageModel } from "../enums";
import { badInput } from "../errors";
import { lockPrices, overriddenBackdate } from "./price-book";

// Token prices are versioned rows like per-image prices: one row per model, kind and effective time, append-only,
// so a price change needs no migration and every generation keeps the rates it was charged at.

export type TokenKind = "TEXT_INPUT" | "CACHED_TEXT_INPUT" | "IMAGE_INPUT" | "CACHED_IMAGE_INPUT" | "IMAGE_OUTPUT";

/** A model's token prices in force, micro-dollars per million tokens; a kind without a row is null. */
export interface TokenPriceRecord {
  model: ImageModel;
  perMillionMicros: Record<TokenKind, bigint | null>;
  /** The latest effective time among the kinds in force. */
  effectiveFrom: Date;
}

const KINDS: readonly TokenKind[] = [
  "TEXT_INPUT",
  "CACHED_TEXT_INPUT",
  "IMAGE_INPUT",
  "CACHED_IMAGE_INPUT",
  "IMAGE_OUTPUT",
];

export async function tokenPricesInForce(db: Db | Tx, at: Date): Promise<TokenPriceRecord[]> {
  const rows = await db.$queryRaw<{ model: ImageModel; kind: TokenKind; micros: bigint; effectiveFrom: Date }[]>`
    SELECT DISTINCT ON (model, kind)
           model::text AS model, kind::text AS kind, per_million_tokens_micros AS micros,
           effective_from AS "effectiveFrom"
      FROM token_prices
     WHERE effective_from <= ${at}
     ORDER BY model, kind, effective_from DESC`;
  const byModel = new Map<ImageModel, TokenPriceRecord>();
  for (const row of rows) {
    const record = byModel.get(row.model) ?? {
      model: row.model,
      perMillionMicros: Object.fromEntries(KINDS.map((kind) => [kind, null])) as TokenPriceRecord["perMillionMicros"],
      effectiveFrom: row.effectiveFrom,
    };
    record.perMillionMicros[row.kind] = row.micros;
    if (row.effectiveFrom > record.effectiveFrom) record.effectiveFrom = row.effectiveFrom;
    byModel.set(row.model, record);
  }
  return [...byModel.values()];
}

export interface SetTokenPriceInput {
  model: ImageModel;
  /** Kinds left out keep the price they have. */
  perMillionMicros: Partial<Record<TokenKind, bigint>>;
  effectiveFrom: Date;
  actorId: string;
  /** The server's clock: an effectiveFrom before it is a backdated price. */
  now: Date;
}

/** A model's token prices from one time on: the kinds in force over [effectiveFrom, effectiveTo). */
export interface TokenPriceHistoryRecord extends TokenPriceRecord {
  /** When the model's next token price starts; null while none is set. */
  effectiveTo: Date | null;
}

/**
 * Every token price, past, in force and scheduled: one record per model and time any of its kinds changed, with
 * every kind in force from then (a kind not changed keeps its earlier row), oldest first.
 */
export async function tokenPriceHistory(db: Db): Promise<TokenPriceHistoryRecord[]> {
  const rows = await db.$queryRaw<{ model: ImageModel; kind: TokenKind; micros: bigint; effectiveFrom: Date }[]>`
    SELECT model::text AS model, kind::text AS kind, per_million_tokens_micros AS micros,
           effective_from AS "effectiveFrom"
      FROM token_prices
     ORDER BY model, effective_from, kind`;
  const records: TokenPriceHistoryRecord[] = [];
  for (const row of rows) {
    const last = records.at(-1);
    if (last?.model === row.model && last.effectiveFrom.getTime() === row.effectiveFrom.getTime()) {
      last.perMillionMicros[row.kind] = row.micros;
      continue;
    }
    const carried = last?.model === row.model ? { ...last.perMillionMicros } : emptyKinds();
    if (last?.model === row.model) last.effectiveTo = row.effectiveFrom;
    records.push({
      model: row.model,
      perMillionMicros: { ...carried, [row.kind]: row.micros },
      effectiveFrom: row.effectiveFrom,
      effectiveTo: null,
    });
  }
  return records;
}

const emptyKinds = () => Object.fromEntries(KINDS.map((kind) => [kind, null])) as TokenPriceRecord["perMillionMicros"];

/** setTokenPrice: one row per kind given, all from `effectiveFrom`; audited in the same transaction. */
export async function addTokenPrice(tx: Tx, input: SetTokenPriceInput): Promise<TokenPriceRecord> {
  if (CATALOG[input.model].billing !== "TOKENS") {
    throw badInput("model", `${input.model} is billed per image: use setPrice`);
  }
  checkDate("effectiveFrom", input.effectiveFrom);
  const given = KINDS.filter((kind) => input.perMillionMicros[kind] !== undefined);
  for (const kind of given) {
    if (input.perMillionMicros[kind]! < 0n) throw badInput(fieldOf(kind), "a token price must not be negative");
  }
  const backdated = input.effectiveFrom.getTime() < input.now.getTime();
  if (backdated) {
    await lockPrices(tx);
    const later = await tx.tokenPrice.findFirst({
      where: { model: input.model, kind: { in: given }, effectiveFrom: { gt: input.effectiveFrom } },
      orderBy: { effectiveFrom: "asc" },
    });
    if (later !== null) throw overriddenBackdate(later.effectiveFrom);
  }
  try {
    await tx.tokenPrice.createMany({
      data: given.map((kind) => ({
        model: input.model,
        kind,
        perMillionTokensMicros: input.perMillionMicros[kind]!,
        effectiveFrom: input.effectiveFrom,
        createdById: input.actorId,
      })),
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw badInput("effectiveFrom", "token prices for this model already start at that time");
    }
    throw error;
  }
  const after = {
    model: input.model,
    perMillionMicros: input.perMillionMicros,
    effectiveFrom: input.effectiveFrom,
    ...(backdated ? { backdated: true, recordedAt: input.now } : {}),
  };
  await recordAudit(tx, {
    actorId: input.actorId,
    action: "setTokenPrice",
    targetType: "TokenPrice",
    targetId: input.model,
    after,
  });
  const inForce = await tokenPricesInForce(tx, input.effectiveFrom);
  return inForce.find((record) => record.model === input.model)!;
}

/** The API's argument name for a kind, for field-named errors. */
function fieldOf(kind: TokenKind): string {
  const words = kind.toLowerCase().split("_");
  return words.map((word, i) => (i === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join("") + "PerMillion";
}
