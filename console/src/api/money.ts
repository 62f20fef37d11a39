// Money crosses the API as decimal strings of exactly six fractional digits ("12.340000"): summed here as integer
// micro-dollars (bigint), never as floats, so a total on screen equals the API's to the micro-dollar.

export function toMicros(money: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(money.trim());
  if (match === null) throw new Error(`not a Money value: ${money}`);
  const [, sign, whole = "0", fraction = ""] = match;
  const micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, "0"));
  return sign === "-" ? -micros : micros;
}

export function fromMicros(micros: bigint): string {
  const negative = micros < 0n;
  const abs = negative ? -micros : micros;
  const fraction = (abs % 1_000_000n).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${abs / 1_000_000n}.${fraction}`;
}

export function sumMoney(values: readonly string[]): string {
  return fromMicros(values.reduce((sum, value) => sum + toMicros(value), 0n));
}

/** "$1,234.56" for people; the exact value stays in the title attribute where it matters. */
export function formatUsd(money: string): string {
  const micros = toMicros(money);
  const cents = Number((micros + (micros < 0n ? -5_000n : 5_000n)) / 10_000n);
  return (cents / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });
}

/** For a chart's axis only: a float is fine for drawing, never for totals. */
export function toNumber(money: string): number {
  return Number(toMicros(money)) / 1_000_000;
}
