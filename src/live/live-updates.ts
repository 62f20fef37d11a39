import type { Db } from "../domain/db";
import type { Logger } from "../domain/logger";
import { GenerationFanout } from "../domain/generation/generation-fanout";
import type { GenerationFeed } from "../domain/generation/generation-feed";
import type { GenerationUpdates } from "../domain/generation/generation-updates";
import { startFinalStateBackstop } from "./final-state-backstop";
import { listenForGenerationUpdates, PostgresGenerationUpdates } from "./postgres-generation-channel";
import { openRedisGenerationChannel } from "./redis-generation-channel";

const BACKSTOP_INTERVAL_MS = 30_000;

export interface LiveUpdates {
  /** What the generation flow announces through: reaches the watchers of every process. */
  updates: GenerationUpdates;
  /** What this process's watchers listen to. */
  feed: GenerationFeed;
  stop(): Promise<void>;
}

/** Generations' live updates across processes: through Redis when `redisUrl` is set, else PostgreSQL. */
export function startLiveUpdates(args: {
  db: Db;
  databaseUrl: string;
  redisUrl: string | undefined;
  logger: Logger;
}): LiveUpdates {
  const { db, logger } = args;
  const fanout = new GenerationFanout(logger);
  const backstop = startFinalStateBackstop({ db, fanout, logger, intervalMs: BACKSTOP_INTERVAL_MS });
  if (args.redisUrl !== undefined) {
    const channel = openRedisGenerationChannel({ redisUrl: args.redisUrl, fanout, logger });
    return {
      updates: channel.updates,
      feed: fanout,
      async stop() {
        backstop.stop();
        await channel.close();
      },
    };
  }
  const listener = listenForGenerationUpdates({ databaseUrl: args.databaseUrl, db, fanout, logger });
  return {
    updates: new PostgresGenerationUpdates(db, logger),
    feed: fanout,
    async stop() {
      backstop.stop();
      await listener.stop();
    },
  };
}
