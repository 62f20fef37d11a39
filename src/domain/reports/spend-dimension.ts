// What a spend report can be grouped by. The SQL of each dimension comes from this fixed table, never from a
// client's string: the GraphQL enum and the CSV parser only ever hand us these keys.

export const SpendDimension = {
  USER: "USER",
  TEAM: "TEAM",
  MODEL: "MODEL",
  SIZE: "SIZE",
  QUALITY: "QUALITY",
  DAY: "DAY",
} as const;
export type SpendDimension = (typeof SpendDimension)[keyof typeof SpendDimension];

export const SPEND_DIMENSIONS: readonly SpendDimension[] = Object.values(SpendDimension);

export function isSpendDimension(value: string): value is SpendDimension {
  return (SPEND_DIMENSIONS as readonly string[]).includes(value);
}

/** The dimensions once each, in the canonical order above: the report's columns and its tie-breaking order. */
export function normalizeGroupBy(groupBy: readonly SpendDimension[]): SpendDimension[] {
  return SPEND_DIMENSIONS.filter((dimension) => groupBy.includes(dimension));
}
