// The domain's view of the database: the generated Prisma client, and the transaction client it hands out.
import type { PrismaClient } from "../generated/prisma/client";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/**
 * The SQLSTATE of a failed statement: node-postgres' errors carry it as `code`; through the pg adapter a raw query's
 * failure is Prisma's P2010, with the SQLSTATE in meta.driverAdapterError.cause.originalCode.
 */
function sqlState(error: unknown): unknown {
  const failure = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  } | null;
  return failure?.meta?.driverAdapterError?.cause?.originalCode ?? failure?.code;
}

/** PostgreSQL's unique_violation, as Prisma's query engine (P2002) or a raw query reports it. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "P2002" || sqlState(error) === "23505";
}

/** PostgreSQL's numeric_value_out_of_range (22003), e.g. a bigint sum past int8. */
export function isNumericOutOfRange(error: unknown): boolean {
  return sqlState(error) === "22003";
}

export { queryPrepared, type PreparedStatement } from "../db/prepared-statements";
