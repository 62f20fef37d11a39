import type { Db } from "../domain/db";
import { describeError, type Logger } from "../domain/logger";
import type { GenerationFanout } from "../domain/generation/generation-fanout";

/** Ids per query. */
const CHUNK = 1_000;

/**
 * A watcher waits for its generation's final state, and an announcement of it could be missed: a process that died
 * mid-generation announces nothing (the sweeper fails it later), and a notification can be lost with its connection.
 * So every `intervalMs` one query asks which of the generations watched here have ended, and their watchers re-read.
 */
export function startFinalStateBackstop(args: {
  db: Db;
  fanout: GenerationFanout;
  logger: Logger;
  intervalMs: number;
}): { stop(): void } {
  const { db, fanout } = args;
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      const ids = fanout.watchedIds();
      for (let start = 0; start < ids.length; start += CHUNK) {
        const rows = await db.$queryRaw<{ id: string }[]>`
          SELECT id::text FROM image_generations
           WHERE id = ANY(${ids.slice(start, start + CHUNK)}::uuid[]) AND status <> 'PENDING'`;
        for (const row of rows) fanout.changed(row.id);
      }
    } catch (error) {
      args.logger.warn({ cause: describeError(error) }, "checking watched generations failed; next tick retries");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void check(), args.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
