import { describeError, type Logger } from "../domain/logger";

/**
 * What a client is told when a request fails outside GraphQL (a body that cannot be read, a fault in a route): a
 * 4xx error that says which status (body-parsing errors carry one) says only "bad request"; anything else is logged
 * with its cause and answered 500, telling the client nothing about it.
 */
export function failureAnswer(
  error: unknown,
  logger: Logger,
  logMessage: string,
): { status: number; body: { error: string } } {
  const status = (error as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500) return { status, body: { error: "bad request" } };
  logger.error({ cause: describeError(error) }, logMessage);
  return { status: 500, body: { error: "internal server error" } };
}
