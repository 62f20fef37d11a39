// The fixed set of failures a client may see. Each has a stable code (the GraphQL `extensions.code`);
// anything that is not a DomainError is an internal fault, logged and masked at the edge.

export type ErrorCode =
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "BAD_USER_INPUT"
  | "NOT_FOUND"
  | "INSUFFICIENT_CREDITS"
  | "BUDGET_EXCEEDED"
  | "RATE_LIMITED"
  | "CONTENT_POLICY_VIOLATION"
  | "UPSTREAM_ERROR"
  | "CONFLICT"
  | "SERVICE_UNAVAILABLE";

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, string | number> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const badInput = (field: string, message: string): DomainError =>
  new DomainError("BAD_USER_INPUT", message, { field });

// Instants with four-digit years from the Unix epoch on: what ISO 8601, our SQL calendar dates and Prisma all
// handle. The last day of 9999 is left out so that no time zone's local date reaches year 10000.
const EARLIEST_DATE_MS = Date.UTC(1970, 0, 1);
const LATEST_DATE_MS = Date.UTC(9999, 11, 31);

export const isSupportedDate = (at: Date): boolean =>
  at.getTime() >= EARLIEST_DATE_MS && at.getTime() <= LATEST_DATE_MS;

/** BAD_USER_INPUT naming `field` when `at` is outside the years 1970 to 9999 (or not a date at all). */
export function checkDate(field: string, at: Date): void {
  if (!isSupportedDate(at)) throw badInput(field, `${field} must be a date-time from 1970 to 9999`);
}

export const notFound = (what: string): DomainError => new DomainError("NOT_FOUND", `${what} not found`);

export const forbidden = (message = "You are not allowed to do this"): DomainError =>
  new DomainError("FORBIDDEN", message);

export const unauthenticated = (message = "A valid API key is required"): DomainError =>
  new DomainError("UNAUTHENTICATED", message);
