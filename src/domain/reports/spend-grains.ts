import type { SpendGrain } from "../../generated/prisma/client";
import type { SpendDimension } from "./spend-dimension";

// Which running-totals grain a report probes: the narrowest whose keys have every dimension of its grouping (DAY is
// the part's own, not the key's). The keys of each grain are written by spend_grain_keys (migration
// spend_running_grains); a report costs two probes per key of its grain, so fewer keys is faster:
//   OWNER        user, team, API key                 about one key per user
//   OWNER_MODEL  user, team, API key, model          one per user and model used
//   OWNER_TAGS   user, team, API key, tag set        one per user and tag set used
//   FULL         all of them                         one per user, model and tag set

const OWNER: readonly SpendDimension[] = ["USER", "TEAM", "API_KEY", "DAY"];

const GRAIN_DIMENSIONS: Record<SpendGrain, readonly SpendDimension[]> = {
  OWNER,
  OWNER_MODEL: [...OWNER, "MODEL"],
  OWNER_TAGS: [...OWNER, "TAG"],
  FULL: [...OWNER, "MODEL", "TAG"],
};

/** Narrowest first. */
const GRAINS: readonly SpendGrain[] = ["OWNER", "OWNER_MODEL", "OWNER_TAGS", "FULL"];

/** The grain to read `groupBy` from, or null when no grain has it (SIZE, QUALITY). */
export function runningGrain(groupBy: readonly SpendDimension[]): SpendGrain | null {
  return GRAINS.find((grain) => groupBy.every((dimension) => GRAIN_DIMENSIONS[grain].includes(dimension))) ?? null;
}
