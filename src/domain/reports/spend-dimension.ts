// What a spend report can be grouped by. The SQL of each dimension comes from this fixed table, never from a
// client's string: the GraphQL enum and the CSV parser only ever hand us these keys.

export const SpendDimension = {
  USER: "USER",
  TEAM: "TEAM",
  /** The API key the request came with; null for generations recorded before keys were. */
  API_KEY: "API_KEY",
  MODEL: "MODEL",
  SIZE: "SIZE",
  QUALITY: "QUALITY",
  /** A generation with several tags counts toward each; untagged spend is one group whose tag is null. */
  TAG: "TAG",
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
