import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";

export { PrismaClient, Prisma } from "../generated/prisma/client";

export interface PrismaClientOptions {
  /** Upper bound of pooled connections; pg's default (10) when unset. */
  maxConnections?: number;
}

/**
 * A Prisma client on the Rust-free runtime, talking to PostgreSQL through node-postgres.
 * The adapter ignores `?schema=` in the URL, so isolate with databases, not schemas.
 * Call `$disconnect()` when done: it ends the pool, which otherwise keeps the process alive.
 */
export function createPrismaClient(databaseUrl: string, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.maxConnections });
  return new PrismaClient({ adapter });
}
