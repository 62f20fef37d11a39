// The domain's view of the database: the generated Prisma client, and the transaction client it hands out.
import type { PrismaClient } from "../generated/prisma/client";

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** PostgreSQL's unique_violation, as Prisma reports it through the pg adapter. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "P2002" || code === "23505";
}

/**
 * PostgreSQL's numeric_value_out_of_range (22003), e.g. a bigint sum past int8. Through the pg adapter a raw
 * query's failure is Prisma's P2010 with the SQLSTATE in meta.driverAdapterError.cause.originalCode.
 */
export function isNumericOutOfRange(error: unknown): boolean {
  const failure = error as {
    code?: unknown;
    meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } };
  } | null;
  return failure?.code === "22003" || failure?.meta?.driverAdapterError?.cause?.originalCode === "22003";
}

export { queryPrepared, type PreparedStatement } from "../db/prepared-statements";
