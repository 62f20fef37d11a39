import pino from "pino";

/** JSON logs on stdout. Secrets have no business in a log; the redaction is a second line of defence. */
export function createLogger(level: string) {
  return pino({
    level,
    base: { service: "imagegate" },
    redact: {
      paths: ["*.authorization", "*.apiKey", "*.secret", "*.password", "*.databaseUrl"],
      censor: "[redacted]",
    },
  });
}
