import { loadSettings } from "../config";
import { resolveDatabase } from "../db/database";
import {
  applyPendingMigrations,
  checkMigrationsInSync,
  createMigration,
  type CreateMigrationResult,
  type MigrationPaths,
} from "../db/migrations";

// `npm run migrate`, `migrate:create`, `migrate:check`. The database is found as the server finds it
// (DATABASE_URL, else the embedded cluster under DATA_DIR). Progress goes to stderr, results to stdout.

export interface MigrationCommandOptions extends MigrationPaths {
  env?: NodeJS.ProcessEnv;
  /** Results; defaults to stdout. */
  out?: (line: string) => void;
  /** Progress; defaults to stderr. */
  log?: (line: string) => void;
}

/** Applies pending migrations; prints the name of each one applied. */
export async function migrate(options: MigrationCommandOptions = {}): Promise<string[]> {
  const { out, log } = streams(options);
  return withServer(options, async (databaseUrl) => {
    const applied = await applyPendingMigrations(databaseUrl, options);
    for (const name of applied) out(name);
    log(applied.length === 0 ? "no pending migrations" : `applied ${applied.length} migration(s)`);
    return applied;
  });
}

/** Writes prisma/migrations/<timestamp>_<name>/migration.sql from changes to schema.prisma; prints its path. */
export async function createMigrationCommand(
  name: string,
  options: MigrationCommandOptions = {},
): Promise<CreateMigrationResult> {
  const { out, log } = streams(options);
  return withServer(options, async (databaseUrl) => {
    const result = await createMigration(databaseUrl, name, options);
    if (!result.created) {
      out("no changes");
      return result;
    }
    out(result.file);
    log(
      "review it, append hand-written SQL (CHECK constraints, functions, triggers) if needed, then run `npm run migrate`",
    );
    return result;
  });
}

/** True when the migrations build exactly what schema.prisma describes; otherwise prints the missing SQL. */
export async function checkMigrations(options: MigrationCommandOptions = {}): Promise<boolean> {
  const { out, log } = streams(options);
  return withServer(options, async (databaseUrl) => {
    const result = await checkMigrationsInSync(databaseUrl, options);
    if (result.inSync) {
      log("migrations are in sync with prisma/schema.prisma");
      return true;
    }
    log(
      "prisma/schema.prisma has changes no migration makes; run `npm run migrate:create -- --name <name>`. Missing SQL:",
    );
    out(result.script);
    return false;
  });
}

async function withServer<T>(options: MigrationCommandOptions, work: (databaseUrl: string) => Promise<T>): Promise<T> {
  const settings = loadSettings(options.env ?? process.env);
  const { log } = streams(options);
  const database = await resolveDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, log });
  try {
    return await work(database.databaseUrl);
  } finally {
    await database.close();
  }
}

function streams(options: MigrationCommandOptions): { out: (line: string) => void; log: (line: string) => void } {
  return {
    out: options.out ?? ((line) => process.stdout.write(`${line}\n`)),
    log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
  };
}
