import "reflect-metadata";
import { startImagegate } from "./app";
import { loadSettings, SettingsError } from "./config";
import { createPrismaClient } from "./db/client";
import { openDatabase } from "./db/database";
import { describeError } from "./domain/logger";
import { createLogger } from "./logging";
import { installShutdown } from "./shutdown";

// The composition root: settings, database (embedded unless DATABASE_URL is set, migrated before we listen),
// then the server, then the graceful shutdown (src/shutdown.ts).
async function main(): Promise<void> {
  const settings = loadSettings();
  const logger = createLogger(settings.logLevel);
  const database = await openDatabase({
    databaseUrl: settings.databaseUrl,
    dataDir: settings.dataDir,
    log: (message: string) => logger.info(message),
    migrateInChildProcess: true,
  });
  const db = createPrismaClient(database.databaseUrl);
  const app = await startImagegate({ settings, db, databaseUrl: database.databaseUrl, logger });
  logger.info(
    {
      url: app.url,
      providers: {
        openai: settings.openai ? "openai" : "local",
        stability: settings.stability ? "stability" : "local",
      },
    },
    "imagegate is listening",
  );

  installShutdown({ app, db, closeDatabase: () => database.close(), graceMs: settings.shutdownGraceMs, logger });
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`imagegate failed to start: ${JSON.stringify(describeError(error))}\n`);
  process.exit(1);
});
