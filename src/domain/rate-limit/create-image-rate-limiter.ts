import type { Logger } from "../logger";
import { FlexibleImageRateLimiter, type CounterStore } from "./flexible-image-rate-limiter";
import { openPostgresCounterStore } from "./postgres-counter-store";
import type { ImageRateLimiter } from "./rate-limiter";
import { openRedisCounterStore } from "./redis-counter-store";

const WINDOW_SECONDS = 60;
const KEY_PREFIX = "imagegate:images-per-minute";

/**
 * The deployment's images-per-minute limiter: counters in Redis when `redisUrl` is set, else in PostgreSQL. The store
 * is opened even with no default limit, since an admin may give any user a limit at any time.
 * `keyPrefix` and `windowSeconds` exist for tests.
 */
export async function createImageRateLimiter(args: {
  databaseUrl: string;
  redisUrl: string | undefined;
  defaultPerMinute: number | null | undefined;
  logger: Logger;
  keyPrefix?: string;
  windowSeconds?: number;
}): Promise<ImageRateLimiter> {
  const windowSeconds = args.windowSeconds ?? WINDOW_SECONDS;
  const keyPrefix = args.keyPrefix ?? KEY_PREFIX;
  const { logger } = args;
  const store: CounterStore =
    args.redisUrl === undefined
      ? await openPostgresCounterStore({ databaseUrl: args.databaseUrl, keyPrefix, windowSeconds, logger })
      : await openRedisCounterStore({ redisUrl: args.redisUrl, keyPrefix, windowSeconds, logger });
  return new FlexibleImageRateLimiter(store, { defaultPerMinute: args.defaultPerMinute, windowSeconds, logger });
}
