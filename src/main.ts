import "reflect-metadata";
import { existsSync, readdirSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import { startImagegate } from "./app";
import { loadSettings, SettingsError } from "./config";
import { createPrismaClient } from "./db/client";
import { openDatabase } from "./db/database";
import { describeError } from "./domain/logger";
import { createLogger } from "./logging";
import { installShutdown } from "./shutdown";

// Under load V8 lets the old generation grow to about three times the live heap before collecting it (measured at
// c=32: ~40 MB live, 290 MB resident). A fixed growth factor of 1.5 keeps the peak under 200 MB at no measurable
// CPU cost (bench/RESULTS.md). A value given on the command line or in NODE_OPTIONS wins.
if (!`${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`.includes("heap-growing-percent")) {
  v8.setFlagsFromString("--heap-growing-percent=50");
}

const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP"] as const;

// Until the graceful shutdown is installed, a signal ends start-up at once: the exit hooks stop an embedded
// PostgreSQL (and its watchdog would, were they skipped).
function abortStart(signal: NodeJS.Signals): void {
  process.stderr.write(`imagegate: ${signal} during start-up, stopping\n`);
  process.exit(128 + os.constants.signals[signal]);
}

// The composition root: settings, database (embedded unless DATABASE_URL is set, migrated before we listen),
// then the server, then the graceful shutdown (src/shutdown.ts).
async function main(): Promise<void> {
  for (const signal of SIGNALS) process.once(signal, abortStart);
  const settings = loadSettings();
  const logger = createLogger(settings.logLevel);
  if (builtBeforeSourceChanged()) logger.warn({}, "dist/ is older than src/: run `npm run build` to start the changes");
  const database = await openDatabase({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir,
    log: (message: string) => logger.info({}, message),
    migrateInChildProcess: true,
  });
  const db = createPrismaClient(database.databaseUrl);
  const app = await startImagegate({ settings, db, databaseUrl: database.databaseUrl, logger });
  logger.info(
    {
      url: app.url,
      metrics: app.metricsUrl,
      providers: {
        openai: settings.openai ? "openai" : "local",
        stability: settings.stability ? "stability" : "local",
      },
    },
    "imagegate is listening",
  );

  installShutdown({ app, db, closeDatabase: () => database.close(), graceMs: settings.shutdownGraceMs, logger });
  for (const signal of SIGNALS) process.removeListener(signal, abortStart);
}

/** `npm start` runs dist/, compiled at install (`npm run build`), not src/: whether src/ has changed since. */
function builtBeforeSourceChanged(): boolean {
  const src = path.join(__dirname, "..", "src");
  if (path.extname(__filename) !== ".js" || !existsSync(src)) return false;
  const builtMs = statSync(__filename).mtimeMs;
  return readdirSync(src, { recursive: true, encoding: "utf8" }).some(
    (file) => file.endsWith(".ts") && statSync(path.join(src, file)).mtimeMs > builtMs,
  );
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`imagegate failed to start: ${JSON.stringify(describeError(error))}\n`);
  process.exit(1);
});
