import type { Imagegate } from "./app";
import type { Db } from "./domain/db";
import { describeError, type Logger } from "./domain/logger";

// A graceful stop on SIGTERM, SIGINT or SIGHUP: stop accepting, let generations in flight finish up to a deadline,
// release the holds of the rest (they end INTERRUPTED, nothing charged), stop the workers, close the database, exit 0.
// A second signal exits at once; holds left open then expire and another process's sweeper releases them.

/** After the last generation: time for responses to reach their clients before connections are cut. */
const RESPONSE_FLUSH_MS = 1_000;
/** Beyond the grace period, the rest of the shutdown (releases, disconnects) gets this long before we give up. */
const CLEANUP_MS = 15_000;
/**
 * Under `npm start`, a terminal's Ctrl-C reaches us twice: from the terminal (we are in its foreground process group)
 * and from npm, which forwards it; a supervisor that signals a whole process group does the same. The same signal
 * again within this time is that one request, not the second signal that means "exit now".
 */
const SAME_REQUEST_MS = 1_000;

export interface ShutdownParts {
  app: Imagegate;
  db: Db;
  /** Stops the embedded PostgreSQL, if one was started. */
  closeDatabase(): Promise<void>;
  graceMs: number;
  logger: Logger;
  exit?: (code: number) => never;
}

export function installShutdown(parts: ShutdownParts): void {
  const exit = parts.exit ?? ((code: number) => process.exit(code));
  let first: { signal: NodeJS.Signals; atMs: number } | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const atMs = performance.now();
    if (first !== undefined) {
      if (signal === first.signal && atMs - first.atMs < SAME_REQUEST_MS) return;
      parts.logger.warn({ signal }, "second signal during shutdown: exiting now; open holds will expire");
      exit(1);
    }
    first = { signal, atMs };
    const watchdog = setTimeout(() => {
      parts.logger.error({ signal }, "shutdown did not finish in time: exiting now; open holds will expire");
      exit(1);
    }, parts.graceMs + CLEANUP_MS);
    watchdog.unref();
    void shutdown(parts, signal).then(() => exit(0));
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, onSignal);
}

async function shutdown(parts: ShutdownParts, signal: NodeJS.Signals): Promise<void> {
  const { app, logger, graceMs } = parts;
  const startedMs = Date.now();
  logger.info({ signal, graceMs }, "shutting down: no longer accepting connections");
  const httpClosed = app.close().catch((error: unknown) => {
    logger.error({ cause: describeError(error) }, "closing the HTTP server and workers failed");
  });

  const { unfinished, holding } = await app.services.generation.drain(graceMs);
  if (unfinished === 0) {
    logger.info({ elapsedMs: Date.now() - startedMs }, "shutdown: no generation in flight");
  } else {
    logger.warn(
      { unfinished, generationIds: holding },
      "shutdown: grace period over; interrupting generations in flight",
    );
    await step(logger, "shutdown: released the holds of interrupted generations", async () => ({
      released: await app.services.generation.interruptInFlight(),
    }));
  }

  await Promise.race([httpClosed, delay(RESPONSE_FLUSH_MS)]);
  app.closeConnections();
  await httpClosed;
  logger.info({}, "shutdown: HTTP server closed, workers stopped");
  await step(logger, "shutdown: database disconnected", () => parts.db.$disconnect());
  await step(logger, "shutdown: database closed", () => parts.closeDatabase());
  logger.info({ elapsedMs: Date.now() - startedMs }, "stopped");
}

/** Runs one step; a failure is logged and the shutdown goes on (money stays safe: open holds expire). */
async function step(logger: Logger, done: string, work: () => Promise<object | void>): Promise<void> {
  try {
    logger.info((await work()) ?? {}, done);
  } catch (error) {
    logger.error({ cause: describeError(error) }, `${done}: FAILED`);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
