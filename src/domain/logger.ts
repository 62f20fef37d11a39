/** The slice of pino's interface the domain logs through, so the core does not depend on a logging library. */
export interface Logger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * A loggable summary of an error: its class, code and first line only. Database and SDK errors can carry
 * queries, parameters or request bodies further down, and none of that belongs in a log.
 */
export function describeError(error: unknown): { name: string; code?: string; message: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error).slice(0, 200) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    ...(typeof code === "string" ? { code } : {}),
    message: (error.message.split("\n")[0] ?? "").slice(0, 200),
  };
}
