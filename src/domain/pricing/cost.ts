import type { ModelSpec } from "../catalog";
import { divideRoundingUp, minMicros } from "../money";

// Pure pricing arithmetic, in integer micro-dollars.

export interface TokenRates {
  textInputPerMillionMicros: bigint;
  imageInputPerMillionMicros: bigint;
  imageOutputPerMillionMicros: bigint;
}

export interface TokenUsage {
  inputTextTokens: number;
  inputImageTokens: number;
  outputTokens: number;
}

/** Cost of reported token usage, rounded up to the whole micro-dollar. */
export function usageCostMicros(usage: TokenUsage, rates: TokenRates): bigint {
  const scaled =
    BigInt(usage.inputTextTokens) * rates.textInputPerMillionMicros +
    BigInt(usage.inputImageTokens) * rates.imageInputPerMillionMicros +
    BigInt(usage.outputTokens) * rates.imageOutputPerMillionMicros;
  return divideRoundingUp(scaled, 1_000_000n);
}

export interface Charge {
  costMicros: bigint;
  /** What the usage cost beyond the hold: not charged, recorded for finance. Zero when the hold covered it. */
  shortfallMicros: bigint;
}

/**
 * What a successful generation is charged. Token-billed models settle from the usage the provider reports;
 * the charge never exceeds the hold, because the hold is what the caller's credit and budgets were checked
 * against (charging more could spend past a balance): what the usage cost beyond it is the shortfall.
 */
export function settledCharge(args: {
  spec: ModelSpec;
  heldMicros: bigint;
  usage: TokenUsage | undefined;
  rates: TokenRates | undefined;
}): Charge {
  const { spec, heldMicros, usage, rates } = args;
  if (spec.billing !== "TOKENS" || usage === undefined || rates === undefined) {
    return { costMicros: heldMicros, shortfallMicros: 0n };
  }
  const usageMicros = usageCostMicros(usage, rates);
  const costMicros = minMicros(usageMicros, heldMicros);
  return { costMicros, shortfallMicros: usageMicros - costMicros };
}
