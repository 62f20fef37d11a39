import pino from "pino";
import type { AppLogger } from "../../src/logging";

export type LogLine = Record<string, unknown> & { msg: string; level: number };

/** A pino logger (as production makes it, with redaction) whose JSON lines a test can read back. */
export function capturingLogger(): { logger: AppLogger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
