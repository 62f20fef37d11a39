import type { SpendGrain } from "../../generated/prisma/client";
import type { SpendDimension } from "./spend-dimension";

// Which running-totals grain a report probes: the narrowest whose keys have every dimension of its grouping (DAY is
// the part's own, not the key's). The keys of each grain are written by spend_grain_keys (migration
// spend_running_shards); a report costs two probes per key of its grain, so fewer keys is faster:
//   SHARD_MODEL  user shard, model                   16 per model used, whatever the number of users
//   SHARD_TAGS   user shard, tag set                 16 per tag set used
//   OWNER        user, team, API key                 about one key per user
//   OWNER_MODEL  user, team, API key, model          one per user and model used
//   OWNER_TAGS   user, team, API key, tag set        one per user and tag set used
//   FULL         all of them                         one per user, model and tag set

const OWNER: readonly SpendDimension[] = ["USER", "TEAM", "API_KEY", "DAY"];

const GRAIN_DIMENSIONS: Record<SpendGrain, readonly SpendDimension[]> = {
  SHARD_MODEL: ["MODEL", "DAY"],
  SHARD_TAGS: ["TAG", "DAY"],
  OWNER,
  OWNER_MODEL: [...OWNER, "MODEL"],
  OWNER_TAGS: [...OWNER, "TAG"],
  FULL: [...OWNER, "MODEL", "TAG"],
};

/** Narrowest first: SHARD_MODEL also serves a grouping by DAY alone, or none. */
const GRAINS: readonly SpendGrain[] = ["SHARD_MODEL", "SHARD_TAGS", "OWNER", "OWNER_MODEL", "OWNER_TAGS", "FULL"];

/** The grains whose keys keep the user (one user's spend each), and those that keep only the user's shard. */
export const USER_GRAINS = GRAINS.filter((grain) => GRAIN_DIMENSIONS[grain].includes("USER"));
export const SHARD_GRAINS = GRAINS.filter((grain) => !GRAIN_DIMENSIONS[grain].includes("USER"));

/** The grain to read `groupBy` from, or null when no grain has it (SIZE, QUALITY). */
export function runningGrain(groupBy: readonly SpendDimension[]): SpendGrain | null {
  return GRAINS.find((grain) => groupBy.every((dimension) => GRAIN_DIMENSIONS[grain].includes(dimension))) ?? null;
}
