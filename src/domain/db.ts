// The domain's view of the database: the generated Prisma client, and the transaction client it hands out.
import type { PrismaClient } from "../generated/prisma/client";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** PostgreSQL's unique_violation, as Prisma reports it through the pg adapter. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "P2002" || code === "23505";
}

export { queryPrepared, type PreparedStatement } from "../db/prepared-statements";
