import { DomainError } from "./errors";

// "The database is away" as opposed to "the query is wrong": the first is SERVICE_UNAVAILABLE for a client (try
// again later), the second an internal fault. The errors come in several wrappings: Prisma's known-request errors
// (P1001 and friends, or P2010 around a driver adapter error), node-postgres' own errors when a connection dies
// mid-query or mid-transaction, socket errors, and PostgreSQL's SQLSTATEs for a server going down.

/** Prisma: can't reach / timed out / server closed the connection / pool timeout. */
const PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

/** @prisma/driver-adapter-utils' error kinds for a lost or unreachable server. */
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"]);

const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

/**
 * SQLSTATEs: class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect now), 53300 (too
 * many connections).
 */
const SQLSTATE = /^(08...|57P0[123]|53300)$/;

/**
 * node-postgres' messages for a connection that died or could not be had in time; and PostgreSQL's for a database
 * closed to connections (ALTER DATABASE ... ALLOW_CONNECTIONS false, as during maintenance), whose SQLSTATE, 55000,
 * also stands for faults that are ours.
 */
const PG_MESSAGES =
  /Connection terminated|connection error and is not queryable|Can't reach database server|timeout exceeded when trying to connect|Server has closed the connection|is not currently accepting connections/i;

const MAX_DEPTH = 6;

/** Whether `error` (or what it wraps) says the database is unreachable or went away, rather than a fault of ours. */
export function isDatabaseUnavailable(error: unknown): boolean {
  return check(error, 0);
}

function check(error: unknown, depth: number): boolean {
  if (typeof error !== "object" || error === null || depth > MAX_DEPTH) return false;
  if (error instanceof DomainError) return false; // already a client-facing failure with its own code
  const candidate = error as {
    code?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    originalError?: unknown;
    errors?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  const { code, kind, message } = candidate;
  if (typeof code === "string" && (PRISMA_CODES.has(code) || SOCKET_CODES.has(code) || SQLSTATE.test(code))) {
    return true;
  }
  if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
  if (typeof message === "string" && PG_MESSAGES.test(message)) return true;
  const inner = [candidate.cause, candidate.originalError, candidate.meta?.driverAdapterError];
  if (Array.isArray(candidate.errors)) inner.push(...(candidate.errors as unknown[]));
  return inner.some((wrapped) => check(wrapped, depth + 1));
}
