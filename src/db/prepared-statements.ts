import pg from "pg";
import type { PrismaClient } from "../generated/prisma/client";

// The few statements every generateImage runs go to node-postgres as named prepared statements: PostgreSQL then
// parses and plans each once per connection instead of once per call (measured: ~0.5 ms of its CPU per request),
// and the call skips Prisma's raw-query layer. Everything else goes through Prisma.

/** A statement with a fixed text and a name unique among ours, so that each connection prepares it once. */
export interface PreparedStatement {
  name: string;
  text: string;
}

type Client = PrismaClient | Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const pools = new WeakMap<object, pg.Pool>();

/** Called by createPrismaClient: the pool under a client, for the statements it runs itself. */
export function registerPool(client: PrismaClient, pool: pg.Pool): void {
  pools.set(client, pool);
}

/** The pool under a client made by createPrismaClient (metrics read its counts); undefined for any other client. */
export function poolOf(client: PrismaClient): pg.Pool | undefined {
  return pools.get(client);
}

const INT8_OID = 20;
/** Rows typed as Prisma's $queryRaw types them, where they differ from node-postgres' defaults: int8 as bigint. */
const ROW_TYPES = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? BigInt : pg.types.getTypeParser(oid, format),
};

/**
 * Runs a prepared statement on the client's pool; inside a transaction (or on a client built elsewhere) the same
 * text goes through Prisma, on the transaction's connection. Values bind to $1, $2, ... in order.
 */
export async function queryPrepared<Row>(
  client: Client,
  statement: PreparedStatement,
  values: unknown[],
): Promise<Row[]> {
  const pool = pools.get(client);
  if (pool === undefined) return client.$queryRawUnsafe<Row[]>(statement.text, ...values);
  try {
    const result = await pool.query({ name: statement.name, text: statement.text, values, types: ROW_TYPES });
    return result.rows as Row[];
  } catch (error) {
    throw asError(error);
  }
}

/**
 * node-postgres hands socket errors on as Node made them; in another realm (a test runner's sandbox) they are not
 * `instanceof Error` here, and Apollo then replaces them with a bare message, losing the `code` that tells a lost
 * database (SERVICE_UNAVAILABLE) from a fault. Prisma wraps its errors likewise.
 */
function asError(error: unknown): unknown {
  if (error instanceof Error || typeof error !== "object" || error === null) return error;
  const message = String((error as { message?: unknown }).message ?? "database error");
  return Object.assign(new Error(message, { cause: error }), error);
}
