// Money is integer micro-dollars (bigint) inside imagegate; on the wire it is a decimal string of US dollars
// with exactly six fractional digits. Nothing here ever goes through a float.

export const MICROS_PER_DOLLAR = 1_000_000n;

export class MoneyFormatError extends Error {
  constructor(readonly input: string) {
    super(`"${input}" is not an amount of US dollars with at most six fractional digits`);
    this.name = "MoneyFormatError";
  }
}

const MONEY_PATTERN = /^(-)?(\d{1,15})(?:\.(\d{1,6}))?$/;

/** Parses "12", "0.04", "-1.500000" into micro-dollars; rejects exponents, signs other than a leading minus, >6 decimals. */
export function parseMoney(input: string): bigint {
  const match = MONEY_PATTERN.exec(input.trim());
  if (match === null) throw new MoneyFormatError(input);
  const [, minus, whole = "0", fraction = ""] = match;
  const micros = BigInt(whole) * MICROS_PER_DOLLAR + BigInt(fraction.padEnd(6, "0"));
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
