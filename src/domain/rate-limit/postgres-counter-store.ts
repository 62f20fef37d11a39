import { Pool } from "pg";
import { RateLimiterPostgres } from "rate-limiter-flexible";
import { describeError, type Logger } from "../logger";
import type { CounterStore } from "./flexible-image-rate-limiter";

type PostgresLimiterOptions = ConstructorParameters<typeof RateLimiterPostgres>[0];

/**
 * The library's own table (key, points, expire), created at run time. Not a Prisma model: the migration check diffs
 * schema.prisma against the migrations only, so it never reports this table as drift.
 */
export const RATE_LIMIT_TABLE = "rate_limit_counters";
/** pg_advisory_lock key ("imgrlc") that serializes the table's creation across processes starting together. */
const CREATE_TABLE_LOCK_KEY = 0x696d67726c63;

/**
 * Counters in a table of our database, on a small pool of its own. One row per user (the key is the user's id),
 * overwritten when its window has expired, so the table stays as small as the users table: no clean-up timer.
 */
export async function openPostgresCounterStore(args: {
  databaseUrl: string;
  keyPrefix: string;
  windowSeconds: number;
  logger: Logger;
}): Promise<CounterStore> {
  const pool = new Pool({
    connectionString: args.databaseUrl,
    max: 10,
    // Bounds the wait for a connection, queueing included; past it the limiter fails open.
    connectionTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    application_name: "imagegate-rate-limit",
  });
  // An idle connection that dies (database restart) must not crash the process; the next query reconnects.
  pool.on("error", (error) => args.logger.warn({ cause: describeError(error) }, "rate-limit pool connection lost"));
  const options = {
    storeClient: pool,
    storeType: "pool",
    tableName: RATE_LIMIT_TABLE,
    keyPrefix: args.keyPrefix,
    duration: args.windowSeconds,
    clearExpiredByTimeout: false,
  };
  try {
    await createTableOnce(pool, options);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    name: "postgres",
    limiter: (points) => new RateLimiterPostgres({ ...options, points, tableCreated: true }),
    close: () => pool.end(),
  };
}

/**
 * The library creates its table with CREATE TABLE IF NOT EXISTS, which PostgreSQL does not make safe against a
 * concurrent twin; a session advisory lock makes processes that start together take turns.
 */
async function createTableOnce(pool: Pool, options: Omit<PostgresLimiterOptions, "points">) {
  const lock = await pool.connect();
  let unlocked = false;
  try {
    await lock.query("SELECT pg_advisory_lock($1)", [CREATE_TABLE_LOCK_KEY]);
    await new Promise<void>((resolve, reject) => {
      new RateLimiterPostgres({ ...options, points: 1 }, (error) => (error === undefined ? resolve() : reject(error)));
    });
    await lock.query("SELECT pg_advisory_unlock($1)", [CREATE_TABLE_LOCK_KEY]);
    unlocked = true;
  } finally {
    // A connection that may still hold the lock is closed rather than pooled: closing releases the lock.
    lock.release(!unlocked);
  }
}
