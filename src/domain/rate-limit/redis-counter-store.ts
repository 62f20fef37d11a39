import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import { describeError, type Logger } from "../logger";
import type { CounterStore } from "./flexible-image-rate-limiter";

/** How long a counter update may take before the limiter gives up on Redis and fails open. */
const COMMAND_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Counters in Redis, one key per user (`<keyPrefix>:<user id>`) that expires with its window. A Redis that is down,
 * at start or later, is not fatal: the limiter fails open while ioredis keeps reconnecting in the background.
 */
export async function openRedisCounterStore(args: {
  redisUrl: string;
  keyPrefix: string;
  windowSeconds: number;
  logger: Logger;
}): Promise<CounterStore> {
  const redis = new Redis(args.redisUrl, {
    lazyConnect: true,
    // Fail fast instead of queueing while disconnected: a queued counter update would hold the request.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  watchConnection(redis, args.logger);
  try {
    await redis.connect();
  } catch (error) {
    args.logger.warn({ cause: describeError(error) }, "Redis for rate limits unreachable at start; failing open");
  }
  return {
    name: "redis",
    limiter: (points) =>
      new RateLimiterRedis({
        storeClient: redis,
        rejectIfRedisNotReady: true,
        keyPrefix: args.keyPrefix,
        points,
        duration: args.windowSeconds,
      }),
    async close() {
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

/** One warning when the connection is lost and one line when it is back, not one per reconnection attempt. */
function watchConnection(redis: Redis, logger: Logger): void {
  let down = false;
  redis.on("error", (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ cause: describeError(error) }, "Redis for rate limits unavailable; failing open until it is back");
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info({}, "Redis for rate limits is back");
  });
}
