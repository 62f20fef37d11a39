import { Prisma } from "../../generated/prisma/client";
import type { Db } from "../db";
import { describeError, type Logger } from "../logger";
import { formatMoney } from "../money";

// Holds that nobody will resolve: those whose process died (they expire), and those whose release failed because the
// database was away (scheduled here, retried until the database answers). Both are released by one statement that
// frees the hold, gives the credit back to `users.reserved_micros` and fails the generation if it is still PENDING.

export interface ReleasedHolds {
  released: number;
  releasedMicros: bigint;
  generationIds: string[];
}

const DEFAULT_BATCH = 500;
/** Batches per tick at most: a backlog is worked off over several ticks rather than in one long burst. */
const MAX_BATCHES_PER_TICK = 20;
/** Failed releases remembered at most; beyond that, the oldest are left to expire. */
const MAX_PENDING_RELEASES = 10_000;

/**
 * Releases up to `limit` expired OPEN holds; their generations end FAILED with errorCode "INTERRUPTED". Any number of
 * processes may run it at once: each hold is picked by one of them (FOR UPDATE SKIP LOCKED) and released once.
 * `now` is the clock that stamped the holds' expiry (the server's); the database's clock by default.
 */
export function sweepExpiredHolds(db: Db, options: { limit?: number; now?: Date } = {}): Promise<ReleasedHolds> {
  const at = options.now ?? null;
  return releaseHolds(
    db,
    at,
    Prisma.sql`
      SELECT id AS hold_id, 'INTERRUPTED'::text AS error_code FROM holds
       WHERE status = 'OPEN' AND expires_at < COALESCE(${at}::timestamptz, now())
       ORDER BY expires_at
       LIMIT ${options.limit ?? DEFAULT_BATCH}
         FOR UPDATE SKIP LOCKED`,
  );
}

/**
 * Releases the holds of the given generations if still OPEN, failing each generation (if still PENDING) with its
 * error code. Idempotent: a hold that was settled or released meanwhile is left alone.
 */
export function releaseGenerations(
  db: Db,
  failures: { generationId: string; errorCode: string }[],
  options: { now?: Date } = {},
): Promise<ReleasedHolds> {
  const ids = failures.map((failure) => failure.generationId);
  const codes = failures.map((failure) => failure.errorCode);
  return releaseHolds(
    db,
    options.now ?? null,
    Prisma.sql`
      SELECT h.id AS hold_id, f.error_code FROM holds h
        JOIN unnest(${ids}::uuid[], ${codes}::text[]) AS f(generation_id, error_code) ON f.generation_id = h.generation_id
       WHERE h.status = 'OPEN'
         FOR UPDATE OF h`,
  );
}

/**
 * One statement over the holds that `picked` selects and locks (hold_id, error_code). Users are locked in id order
 * before their reservation moves, so concurrent sweeps with overlapping users cannot deadlock; each user's row is
 * updated once, with the sum of its released holds. (PostgreSQL runs every data-modifying CTE to completion,
 * whether or not the final SELECT reads it.)
 */
async function releaseHolds(db: Db, at: Date | null, picked: Prisma.Sql): Promise<ReleasedHolds> {
  const rows = await db.$queryRaw<{ released: number; released_micros: bigint; generation_ids: string[] }[]>`
    WITH picked AS (${picked}),
    released AS (
      UPDATE holds h SET status = 'RELEASED', resolved_at = COALESCE(${at}::timestamptz, now())
        FROM picked WHERE h.id = picked.hold_id AND h.status = 'OPEN'
      RETURNING h.user_id, h.generation_id, h.amount_micros, picked.error_code),
    per_user AS (
      SELECT user_id, sum(amount_micros) AS amount_micros FROM released GROUP BY user_id),
    locked_users AS (
      SELECT u.id FROM users u JOIN per_user p ON p.user_id = u.id ORDER BY u.id FOR UPDATE OF u),
    accounts AS (
      UPDATE users u SET reserved_micros = u.reserved_micros - p.amount_micros
        FROM per_user p JOIN locked_users l ON l.id = p.user_id
       WHERE u.id = p.user_id),
    generations AS (
      UPDATE image_generations g SET status = 'FAILED', error_code = released.error_code,
                                    completed_at = COALESCE(${at}::timestamptz, now())
        FROM released WHERE g.id = released.generation_id AND g.status = 'PENDING')
    SELECT (SELECT count(*) FROM released)::int AS released,
           (SELECT COALESCE(sum(amount_micros), 0) FROM released)::bigint AS released_micros,
           (SELECT COALESCE(array_agg(generation_id::text), '{}') FROM released) AS generation_ids`;
  const row = rows[0]!;
  return { released: row.released, releasedMicros: row.released_micros, generationIds: row.generation_ids };
}

export interface HoldSweeper {
  /** Remembers a generation whose hold could not be released (the database was away); retried every tick. */
  scheduleRelease(generationId: string, errorCode: string): void;
  /** Generations whose release is still to be retried. */
  pendingReleases(): number;
  /** One tick now: retries scheduled releases, then releases expired holds. */
  runOnce(): Promise<void>;
  /** Stops ticking; waits for a tick in progress. */
  stop(): Promise<void>;
}

/** Runs the sweep every `intervalMs` on an unref'd timer; a failing tick is logged and the next one tries again. */
export function startHoldSweeper(args: {
  db: Db;
  intervalMs: number;
  logger: Logger;
  batchSize?: number;
  /** The clock that stamps holds' expiry (tests move it); the database's clock when absent. */
  now?: () => Date;
}): HoldSweeper {
  const { db, intervalMs, logger, now } = args;
  const batchSize = args.batchSize ?? DEFAULT_BATCH;
  const pending = new Map<string, string>();
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const retryScheduled = async () => {
    if (pending.size === 0) return;
    const failures = [...pending].slice(0, batchSize).map(([generationId, errorCode]) => ({ generationId, errorCode }));
    const result = await releaseGenerations(db, failures, { now: now?.() });
    for (const { generationId } of failures) pending.delete(generationId);
    if (result.released > 0) logReleased(logger, "released holds whose release had failed", result);
  };
  const sweepExpired = async () => {
    for (let batch = 0; batch < MAX_BATCHES_PER_TICK; batch++) {
      const result = await sweepExpiredHolds(db, { limit: batchSize, now: now?.() });
      if (result.released > 0) logReleased(logger, "released expired holds", result);
      if (result.released < batchSize) return;
    }
  };
  // Each half on its own: a release that keeps failing must not stop expired holds from being swept.
  const attempt = async (work: () => Promise<void>, what: string) => {
    try {
      await work();
    } catch (error) {
      logger.warn({ cause: describeError(error), pendingReleases: pending.size }, `${what} failed; next tick retries`);
    }
  };
  const tick = async () => {
    await attempt(retryScheduled, "retrying failed releases");
    await attempt(sweepExpired, "hold sweep");
  };
  const runOnce = () => (running = running.then(tick));
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void runOnce().then(schedule), intervalMs);
    timer.unref();
  };
  schedule();

  return {
    scheduleRelease(generationId, errorCode) {
      if (pending.size >= MAX_PENDING_RELEASES) pending.delete(pending.keys().next().value!);
      pending.set(generationId, errorCode);
    },
    pendingReleases: () => pending.size,
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

function logReleased(logger: Logger, message: string, result: ReleasedHolds): void {
  logger.info(
    {
      released: result.released,
      releasedAmount: formatMoney(result.releasedMicros),
      generationIds: result.generationIds,
    },
    message,
  );
}
