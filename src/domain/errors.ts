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
  | "MODEL_RETIRED"
  | "MODEL_NOT_ALLOWED"
  | "CONFLICT"
  | "SERVICE_UNAVAILABLE"
  | "RESPONSE_TOO_LARGE"
  | "MODEL_NOT_ALLOWED";

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, string | number | boolean | readonly string[]> = {},
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const badInput = (field: string, message: string): DomainError =>
  new DomainError("BAD_USER_INPUT", message, { field });

export const notFound = (what: string): DomainError => new DomainError("NOT_FOUND", `${what} not found`);

export const forbidden = (message = "You are not allowed to do this"): DomainError =>
  new DomainError("FORBIDDEN", message);

/** A caller with none of `roles`: the message and `extensions.requiredRoles` say which would do. */
export const roleRequired = (roles: readonly string[], what = "This"): DomainError =>
  new DomainError("FORBIDDEN", `${what} needs the ${roles.join(" or ")} role`, { requiredRoles: [...roles] });

export const unauthenticated = (message = "A valid API key is required"): DomainError =>
  new DomainError("UNAUTHENTICATED", message);
