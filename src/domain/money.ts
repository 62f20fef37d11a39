// Money is integer micro-dollars (bigint) inside imagegate; on the wire it is a decimal string of US dollars
// with exactly six fractional digits. Nothing here ever goes through a float.

export const MICROS_PER_DOLLAR = 1_000_000n;

/**
 * The largest magnitude of any Money input, $1,000,000,000: far above any real price, grant or budget, and small
 * enough that a price times n, or a token price times a usage, stays far inside PostgreSQL's bigint (int8).
 */
export const MONEY_INPUT_MAX_MICROS = 1_000_000_000n * MICROS_PER_DOLLAR;

export class MoneyFormatError extends Error {
  constructor(
    readonly input: string,
    problem = "is not an amount of US dollars with at most six fractional digits",
  ) {
    super(`"${input}" ${problem}`);
    this.name = "MoneyFormatError";
  }
}

/** A well-formed amount beyond MONEY_INPUT_MAX_MICROS, either sign; a MoneyFormatError, so callers catch just one. */
export class MoneyRangeError extends MoneyFormatError {
  constructor(input: string) {
    super(input, `exceeds the maximum of ${formatMoney(MONEY_INPUT_MAX_MICROS)} US dollars (either sign)`);
    this.name = "MoneyRangeError";
  }
}

const MONEY_PATTERN = /^(-)?(\d+)(?:\.(\d{1,6}))?$/;
const MAX_WHOLE_DIGITS = (MONEY_INPUT_MAX_MICROS / MICROS_PER_DOLLAR).toString().length;

/**
 * Parses "12", "0.04", "-1.500000" into micro-dollars; rejects exponents, signs other than a leading minus, >6
 * decimals, and magnitudes above MONEY_INPUT_MAX_MICROS.
 */
export function parseMoney(input: string): bigint {
  const match = MONEY_PATTERN.exec(input.trim());
  if (match === null) throw new MoneyFormatError(input);
  const [, minus, whole = "0", fraction = ""] = match;
  // Counted before BigInt, which would spend real time on a megabyte of digits.
  if (whole.replace(/^0+/, "").length > MAX_WHOLE_DIGITS) throw new MoneyRangeError(input);
  const micros = BigInt(whole) * MICROS_PER_DOLLAR + BigInt(fraction.padEnd(6, "0"));
  if (micros > MONEY_INPUT_MAX_MICROS) throw new MoneyRangeError(input);
  return minus === undefined ? micros : -micros;
}

/** Formats micro-dollars as "-1.500000". */
export function formatMoney(micros: bigint): string {
  const negative = micros < 0n;
  const magnitude = negative ? -micros : micros;
  const whole = magnitude / MICROS_PER_DOLLAR;
  const fraction = (magnitude % MICROS_PER_DOLLAR).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/** Integer division rounding toward +infinity: used where we round a charge, always up to the whole micro-dollar. */
export function divideRoundingUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError("denominator must be positive");
  const quotient = numerator / denominator;
  return numerator % denominator > 0n ? quotient + 1n : quotient;
}

export function minMicros(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
