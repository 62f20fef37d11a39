import { ProviderError } from "./image-provider";
import { isDatabaseUnavailable } from "../database-unavailable";
import { DomainError } from "../errors";

const UPSTREAM_MESSAGE = "The image provider failed; nothing was charged";

/**
 * The error code stored on a FAILED generation and the error its caller sees. An UPSTREAM_ERROR names the
 * generation, says whether sending the request again may succeed (`retryable`), and carries the provider's own id
 * for the call when it gave one (`providerRequestId`), so that a support ticket can be traced on both sides.
 */
export function failureOf(error: unknown, generationId?: string): { errorCode: string; clientError: unknown } {
  if (error instanceof ProviderError) {
    if (error.kind === "CONTENT_POLICY") {
      const code = "CONTENT_POLICY_VIOLATION";
      return {
        errorCode: code,
        clientError: new DomainError(code, "The provider rejected the prompt under its content policy"),
      };
    }
    const details = upstreamDetails(generationId, error.retryable, error.providerRequestId);
    return { errorCode: "UPSTREAM_ERROR", clientError: new DomainError("UPSTREAM_ERROR", UPSTREAM_MESSAGE, details) };
  }
  if (error instanceof DomainError) {
    if (error.code !== "UPSTREAM_ERROR" || generationId === undefined)
      return { errorCode: error.code, clientError: error };
    // The flow's own UPSTREAM_ERRORs (an answer it cannot use) say whether they are retryable; this adds the id.
    const retryable = error.details.retryable === true;
    const details = { ...upstreamDetails(generationId, retryable, undefined), ...error.details };
    return { errorCode: error.code, clientError: new DomainError(error.code, error.message, details) };
  }
  if (isDatabaseUnavailable(error)) {
    const code = "SERVICE_UNAVAILABLE";
    return {
      errorCode: code,
      clientError: new DomainError(code, "The service is temporarily unavailable; try again shortly"),
    };
  }
  return { errorCode: "INTERNAL", clientError: error };
}

function upstreamDetails(
  generationId: string | undefined,
  retryable: boolean,
  providerRequestId: string | undefined,
): Record<string, string | boolean> {
  const details: Record<string, string | boolean> = { retryable };
  if (generationId !== undefined) details.generationId = generationId;
  if (providerRequestId !== undefined) details.providerRequestId = providerRequestId;
  return details;
}

/**
 * The error a replayed idempotent request gets when its first attempt failed. Not retryable: the same key gives the
 * same answer again (a new attempt needs a new key).
 */
export function errorForStoredFailure(errorCode: string | null, generationId?: string): DomainError {
  switch (errorCode) {
    case "CONTENT_POLICY_VIOLATION":
      return new DomainError(errorCode, "The provider rejected the prompt under its content policy");
    case "UPSTREAM_ERROR":
      return new DomainError(errorCode, UPSTREAM_MESSAGE, upstreamDetails(generationId, false, undefined));
    default:
      return new DomainError(
        "UPSTREAM_ERROR",
        `The first request with this idempotency key failed (${errorCode ?? "unknown"})`,
        upstreamDetails(generationId, false, undefined),
      );
  }
}
