import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import { registerPool } from "./prepared-statements";

export { PrismaClient, Prisma } from "../generated/prisma/client";

export interface PrismaClientOptions {
  /** Upper bound of pooled connections; pg's default (10) when unset. */
  maxConnections?: number;
  /**
   * Called with the SQL text of every query the client sends, before it is sent: one call is one round trip to the
   * server (a transaction's BEGIN and COMMIT included). For counting queries in tests and benchmarks.
   */
  onQuery?: (sql: string) => void;
}

/**
 * A Prisma client on the Rust-free runtime, talking to PostgreSQL through node-postgres; the hot path's prepared
 * statements share its pool (`queryPrepared`). The adapter ignores `?schema=` in the URL, so isolate with
 * databases, not schemas. Call `$disconnect()` when done: it ends the pool, which otherwise keeps the process alive.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections });
  // An idle connection dies when the server restarts or the network drops: the pool discards it and the next query
  // reports the failure to its caller. Without a listener the pool's "error" event would crash the process.
  pool.on("error", () => undefined);
  const onQuery = options.onQuery;
  if (onQuery !== undefined) {
    pool.on("connect", (client) => {
      const query = client.query;
      client.query = function (this: pg.PoolClient, ...args: unknown[]) {
        const [config] = args;
        onQuery(typeof config === "string" ? config : String((config as { text?: unknown } | null)?.text ?? ""));
        return (query as (...queryArgs: unknown[]) => unknown).apply(this, args);
      } as typeof client.query;
    });
  }
  const client = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  registerPool(client, pool);
  return client;
}
