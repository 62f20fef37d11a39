import type { GraphQLFormattedError } from "graphql";

/**
 * Every `extensions.code` imagegate answers with (the contract's, then GraphQL's own as Apollo Server names them), and
 * two of the client's: NETWORK_ERROR (no answer: the request, or the socket, failed) and HTTP_ERROR (an answer that is
 * not GraphQL, such as a proxy's 502; `status` says which).
 */
export type ImagegateErrorCode =
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
  | "GRAPHQL_PARSE_FAILED"
  | "GRAPHQL_VALIDATION_FAILED"
  | "BAD_REQUEST"
  | "PERSISTED_QUERY_NOT_FOUND"
  | "PERSISTED_QUERY_NOT_SUPPORTED"
  | "OPERATION_RESOLUTION_FAILURE"
  | "INTERNAL_SERVER_ERROR"
  | "NETWORK_ERROR"
  | "HTTP_ERROR";

/** What some codes carry besides `code` and `requestId` (the contract's "Errors"). */
export interface ErrorDetailsByCode {
  BAD_USER_INPUT: { field?: string };
  FORBIDDEN: { requiredRoles?: string[] };
  BUDGET_EXCEEDED: { period: string };
  RATE_LIMITED: { retryAfterSeconds: number };
  MODEL_RETIRED: { model: string; shutdownDate?: string; replacement?: string };
  MODEL_NOT_ALLOWED: { model: string; scope: string };
  RESPONSE_TOO_LARGE: { maxBytes: number };
}

export type ImagegateErrorExtensions<C extends ImagegateErrorCode = ImagegateErrorCode> = {
  code: C;
  /** The request's id (X-Request-Id), which imagegate logs every line of the request with. */
  requestId?: string;
} & (C extends keyof ErrorDetailsByCode ? ErrorDetailsByCode[C] : unknown) &
  Record<string, unknown>;

/**
 * A request that failed, by its first error's `extensions.code`: narrow with `error.is("RATE_LIMITED")` to read that
 * code's extensions (`error.extensions.retryAfterSeconds`). `errors` holds every GraphQL error of the answer, and
 * `data` what part of the answer stood.
 */
export class ImagegateError<C extends ImagegateErrorCode = ImagegateErrorCode> extends Error {
  readonly code: C;
  readonly extensions: ImagegateErrorExtensions<C>;
  readonly requestId: string | undefined;
  /** The HTTP status, when there was an HTTP answer. */
  readonly status: number | undefined;
  readonly errors: readonly GraphQLFormattedError[];
  readonly data: unknown;

  constructor(args: {
    code: C;
    message: string;
    extensions?: Record<string, unknown>;
    requestId?: string;
    status?: number;
    errors?: readonly GraphQLFormattedError[];
    data?: unknown;
    cause?: unknown;
  }) {
    super(args.message, args.cause === undefined ? undefined : { cause: args.cause });
    this.name = "ImagegateError";
    this.code = args.code;
    this.requestId = args.requestId;
    this.extensions = { ...args.extensions, code: args.code, requestId: args.requestId } as ImagegateErrorExtensions<C>;
    this.status = args.status;
    this.errors = args.errors ?? [];
    this.data = args.data;
  }

  is<K extends ImagegateErrorCode>(code: K): this is ImagegateError<K> {
    return (this.code as ImagegateErrorCode) === code;
  }
}

/** The error a GraphQL answer's errors make: the first one's code and message (all of them in `errors`). */
export function errorFromGraphQL(
  errors: readonly GraphQLFormattedError[],
  answer: { data?: unknown; status?: number; requestId?: string },
): ImagegateError {
  const first = errors[0];
  const extensions = (first?.extensions ?? {}) as Record<string, unknown>;
  const code = typeof extensions.code === "string" ? (extensions.code as ImagegateErrorCode) : "INTERNAL_SERVER_ERROR";
  const requestId = typeof extensions.requestId === "string" ? extensions.requestId : answer.requestId;
  return new ImagegateError({
    code,
    message: first?.message ?? "The request failed",
    extensions,
    requestId,
    status: answer.status,
    errors,
    data: answer.data,
  });
}
