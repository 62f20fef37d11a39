import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { isDatabaseUnavailable } from "../domain/database-unavailable";
import { DomainError } from "../domain/errors";
import { describeError, type Logger } from "../domain/logger";
import type { RequestScope } from "../domain/request-scope";

/**
 * A scalar's parseLiteral that rejects a value written in the document (the Money scalar does, with
 * BAD_USER_INPUT) surfaces as a validation error, which Apollo codes GRAPHQL_VALIDATION_FAILED; the scalar's own
 * error stays its originalError. The same value sent as a variable is BAD_USER_INPUT, so this one must be too.
 */
function isRejectedInputLiteral(error: unknown): boolean {
  if (!(error instanceof GraphQLError) || error.extensions.code !== "GRAPHQL_VALIDATION_FAILED") return false;
  const cause = error.originalError;
  return cause instanceof GraphQLError && cause.extensions.code === "BAD_USER_INPUT";
}

/**
 * An error GraphQL or Apollo made itself about the request as a whole, without a code: a subscription sent to a
 * schema that has none, a persisted query whose hash does not match its text. It wraps no exception of ours and
 * belongs to no field (a field's error has a path, and may be our bug).
 */
function isRequestRefusedByGraphQL(error: unknown): boolean {
  return (
    error instanceof GraphQLError &&
    error.originalError === undefined &&
    error.path === undefined &&
    error.extensions.code === undefined
  );
}

/** A refusal of ours raised before execution (a plugin's): it belongs to no field, but is ours all the same. */
function domainRefusal(error: unknown): unknown {
  const refusedEarly = error instanceof GraphQLError && error.path === undefined;
  return refusedEarly && error.originalError instanceof DomainError ? error.originalError : error;
}

// Codes that GraphQL itself or Apollo assign to a client's mistake: their messages are safe to show.
const CLIENT_ERROR_CODES = new Set([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "BAD_REQUEST",
  "OPERATION_RESOLUTION_FAILURE",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
]);

/** What a client error may say besides its code: the field at fault, or an operation's cost and its limit. */
function clientDetails(extensions: GraphQLFormattedError["extensions"]): Record<string, unknown> {
  const { field, cost, maxCost } = extensions ?? {};
  return {
    ...(typeof field === "string" ? { field } : {}),
    ...(typeof cost === "number" && typeof maxCost === "number" ? { cost, maxCost } : {}),
  };
}

/**
 * Every error leaves with an `extensions.code`, and the `requestId` of the request it arose in when `requestOf`
 * knows it (the HTTP edge tags errors with their request, whose logger then logs them). Known failures keep their
 * message and details; anything else is logged here and reaches the client as a bare INTERNAL_SERVER_ERROR: no
 * stack, no SQL, no secret.
 */
export function createErrorFormatter(
  logger: Logger,
  requestOf: (error: unknown) => RequestScope | undefined = () => undefined,
) {
  const format = formatterLoggingTo(logger);
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const request = requestOf(error);
    if (request === undefined) return format(formatted, error);
    const answer = formatterLoggingTo(request.logger)(formatted, error);
    return { ...answer, extensions: { ...answer.extensions, requestId: request.requestId } };
  };
}

function formatterLoggingTo(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = domainRefusal(unwrapResolverError(error));
    const where = { path: formatted.path, locations: formatted.locations };
    if (original instanceof DomainError) {
      return { message: original.message, ...where, extensions: { code: original.code, ...original.details } };
    }
    if (isDatabaseUnavailable(original)) {
      // Neither a fault of ours nor the client's: the database is away, and the same request may succeed shortly.
      logger.warn({ path: formatted.path, cause: describeError(original) }, "database unavailable");
      return {
        message: "The service is temporarily unavailable; try again shortly",
        ...where,
        extensions: { code: "SERVICE_UNAVAILABLE" },
      };
    }
    const code = isRejectedInputLiteral(original)
      ? "BAD_USER_INPUT"
      : isRequestRefusedByGraphQL(original)
        ? "BAD_REQUEST"
        : formatted.extensions?.code;
    if (typeof code === "string" && CLIENT_ERROR_CODES.has(code)) {
      return { message: formatted.message, ...where, extensions: { code, ...clientDetails(formatted.extensions) } };
    }
    logger.error({ path: formatted.path, code, cause: describeError(original) }, "internal error in GraphQL operation");
    return { message: "Internal server error", ...where, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  };
}
