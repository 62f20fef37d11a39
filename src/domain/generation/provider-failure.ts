import { ProviderError } from "./image-provider";
import { isDatabaseUnavailable } from "../database-unavailable";
import { DomainError } from "../errors";

/** The error code stored on a FAILED generation and the error its caller sees. */
export function failureOf(error: unknown): { errorCode: string; clientError: unknown } {
  if (error instanceof ProviderError) {
    const code = error.kind === "CONTENT_POLICY" ? "CONTENT_POLICY_VIOLATION" : "UPSTREAM_ERROR";
    const message =
      error.kind === "CONTENT_POLICY"
        ? "The provider rejected the prompt under its content policy"
        : "The image provider failed; nothing was charged";
    return { errorCode: code, clientError: new DomainError(code, message) };
  }
  if (error instanceof DomainError) return { errorCode: error.code, clientError: error };
  if (isDatabaseUnavailable(error)) {
    const code = "SERVICE_UNAVAILABLE";
    return {
      errorCode: code,
      clientError: new DomainError(code, "The service is temporarily unavailable; try again shortly"),
    };
  }
  return { errorCode: "INTERNAL", clientError: error };
}

/** The error a replayed idempotent request gets when its first attempt failed. */
export function errorForStoredFailure(errorCode: string | null): DomainError {
  switch (errorCode) {
    case "CONTENT_POLICY_VIOLATION":
      return new DomainError(errorCode, "The provider rejected the prompt under its content policy");
    case "UPSTREAM_ERROR":
      return new DomainError(errorCode, "The image provider failed; nothing was charged");
    default:
      return new DomainError(
        "UPSTREAM_ERROR",
        `The first request with this idempotency key failed (${errorCode ?? "unknown"})`,
      );
  }
}
