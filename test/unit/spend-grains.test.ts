import type { SpendDimension } from "../../src/domain/reports/spend-dimension";
import { runningGrain, SHARD_GRAINS, USER_GRAINS } from "../../src/domain/reports/spend-grains";

// A report probes two running totals per key of its grain: the narrowest grain with the grouping's dimensions.
it.each<[SpendDimension[], string | null]>([
  [[], "SHARD_MODEL"],
  [["DAY"], "SHARD_MODEL"],
  [["MODEL"], "SHARD_MODEL"],
  [["MODEL", "DAY"], "SHARD_MODEL"],
  [["TAG"], "SHARD_TAGS"],
  [["USER"], "OWNER"],
  [["TEAM", "API_KEY"], "OWNER"],
  [["TEAM", "MODEL", "DAY"], "OWNER_MODEL"],
  [["USER", "TAG"], "OWNER_TAGS"],
  [["MODEL", "TAG"], "FULL"],
  [["SIZE"], null],
  [["QUALITY", "USER"], null],
])("%j reads the %s grain", (groupBy, grain) => {
  expect(runningGrain(groupBy)).toBe(grain);
});

it("tells the grains that keep the user from those that keep only the user's shard", () => {
  expect([...USER_GRAINS].sort()).toEqual(["FULL", "OWNER", "OWNER_MODEL", "OWNER_TAGS"]);
  expect([...SHARD_GRAINS].sort()).toEqual(["SHARD_MODEL", "SHARD_TAGS"]);
});
