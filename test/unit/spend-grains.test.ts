import type { SpendDimension } from "../../src/domain/reports/spend-dimension";
import { runningGrain } from "../../src/domain/reports/spend-grains";

// A report probes two running totals per key of its grain: the narrowest grain with the grouping's dimensions.
it.each<[SpendDimension[], string | null]>([
  [[], "OWNER"],
  [["USER"], "OWNER"],
  [["TEAM", "API_KEY"], "OWNER"],
  [["DAY"], "OWNER"],
  [["MODEL"], "OWNER_MODEL"],
  [["TEAM", "MODEL", "DAY"], "OWNER_MODEL"],
  [["TAG"], "OWNER_TAGS"],
  [["USER", "TAG"], "OWNER_TAGS"],
  [["MODEL", "TAG"], "FULL"],
  [["SIZE"], null],
  [["QUALITY", "USER"], null],
])("%j reads the %s grain", (groupBy, grain) => {
  expect(runningGrain(groupBy)).toBe(grain);
});
