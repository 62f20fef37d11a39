// The values of the API's enums, for the console's pickers. Typed against the generated unions: a value the schema
// drops fails the type check; `satisfies` keeps each list complete where completeness matters.
import type { BudgetPeriod, ImageModel, ImageQuality, ImageSize, Role } from "@imagegate/sdk";

export const ROLES = ["MEMBER", "FINANCE", "ADMIN"] as const satisfies readonly Role[];
export const BUDGET_PERIODS = ["DAILY", "WEEKLY", "MONTHLY", "TOTAL"] as const satisfies readonly BudgetPeriod[];
export const IMAGE_QUALITIES = ["STANDARD", "HD", "LOW", "MEDIUM", "HIGH"] as const satisfies readonly ImageQuality[];
export const IMAGE_SIZES = [
  "SIZE_256X256",
  "SIZE_512X512",
  "SIZE_1024X1024",
  "SIZE_1792X1024",
  "SIZE_1024X1792",
  "SIZE_1536X1024",
  "SIZE_1024X1536",
  "SIZE_2048X2048",
  "SIZE_2048X1152",
  "SIZE_1152X2048",
  "SIZE_3840X2160",
  "SIZE_2160X3840",
] as const satisfies readonly ImageSize[];

/** Models come from the `models` query at run time; this is only for typing a picked value. */
export type { ImageModel };
