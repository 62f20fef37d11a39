import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";

export { PrismaClient, Prisma } from "../generated/prisma/client";

export interface PrismaClientOptions {
  /** Upper bound of pooled connections; pg's default (10) when unset. */
  maxConnections?: number;
  /**
   * Called with the SQL text of every query the client sends, before it is sent: one call is one round trip to the
   * server (a transaction's BEGIN and COMMIT included). For counting queries in tests and benchmarks; when unset,
   * nothing is wrapped and the client is exactly the plain one.
   */
  onQuery?: (sql: string) => void;
}

/**
 * A Prisma client on the Rust-free runtime, talking to PostgreSQL through node-postgres.
 * The adapter ignores `?schema=` in the URL, so isolate with databases, not schemas.
 * Call `$disconnect()` when done: it ends the pool, which otherwise keeps the process alive.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  if (options.onQuery === undefined) {
    const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections });
    return new PrismaClient({ adapter });
  }
  // Our own pool, so that each of its connections can report its queries; the adapter ends it on $disconnect.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.maxConnections });
  const onQuery = options.onQuery;
  pool.on("connect", (client) => {
    const query = client.query;
    client.query = function (this: pg.PoolClient, ...args: unknown[]) {
      const [config] = args;
      onQuery(typeof config === "string" ? config : String((config as { text?: unknown } | null)?.text ?? ""));
      return (query as (...queryArgs: unknown[]) => unknown).apply(this, args);
    } as typeof client.query;
  });
  const adapter = new PrismaPg(pool, { disposeExternalPool: true });
  return new PrismaClient({ adapter });
}
