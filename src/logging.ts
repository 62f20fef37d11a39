import pino from "pino";
import type { Logger } from "./domain/logger";

/** The domain's Logger, plus child loggers: the HTTP edge makes one per request, bound to its request id. */
export interface AppLogger extends Logger {
  child(bindings: Record<string, unknown>): Logger;
}

/** JSON logs on stdout. Secrets have no business in a log; the redaction is a second line of defence. */
export function createLogger(level: string): AppLogger {
  return pino({
    level,
    base: { service: "imagegate" },
    redact: {
      paths: ["*.authorization", "*.apiKey", "*.secret", "*.password", "*.databaseUrl"],
      censor: "[redacted]",
    },
  });
}
