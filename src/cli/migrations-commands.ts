import { randomBytes } from "node:crypto";
import path from "node:path";
import { loadSettings } from "../config";
import { resolveDatabase } from "../db/database";
import { functionsDir, readFunctionDefinitions, renderFunctionFiles, writeFunctionFiles } from "../db/function-files";
import {
  applyPendingMigrations,
  checkMigrationsInSync,
  createMigration,
  type CreateMigrationResult,
  type MigrationPaths,
} from "../db/migrations";
import { createDatabase, dropDatabase, withDatabaseName } from "../db/postgres-admin";

// `npm run migrate`, `migrate:create`, `migrate:check`, `functions:emit`. The database is found as the server
// finds it (DATABASE_URL, else the embedded cluster under DATA_DIR). Progress goes to stderr, results to stdout.

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

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql from changes to schema.prisma, preceded by
 * <timestamp>_<name>_enum_values/migration.sql when new enum values must be committed first; prints each path.
 */
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
    for (const migration of result.migrations) out(migration.file);
    const [first, second] = result.migrations;
    if (second !== undefined) {
      log(
        `the new enum values are in ${first?.name ?? ""}, applied and committed before ${second.name} ` +
          "(PostgreSQL cannot use an enum value in the transaction that adds it); review both, append " +
          `hand-written SQL (CHECK constraints, functions, seeds, anything using the new values) to ${second.name} ` +
          "if needed, then run `npm run migrate`",
      );
    } else if (first?.onlyEnumValues === true) {
      log(
        "review it, then run `npm run migrate`; it only adds enum values, and PostgreSQL cannot use an enum value " +
          "in the transaction that adds it: SQL that uses them goes into a later migration",
      );
    } else {
      log(
        "review it, append hand-written SQL (CHECK constraints, functions, triggers) if needed, then run `npm run migrate`",
      );
    }
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

/**
 * Rewrites prisma/functions/<name>.sql from a fresh scratch database migrated from nothing (so a database that
 * drifted cannot leak into the files); prints each file written.
 */
export async function emitFunctions(options: MigrationCommandOptions & { functionsDir?: string } = {}): Promise<void> {
  const { out, log } = streams(options);
  const dir = options.functionsDir ?? functionsDir();
  const definitions = await withServer(options, async (serverUrl) => {
    const scratch = `imagegate_functions_${process.pid}_${randomBytes(4).toString("hex")}`;
    await createDatabase(serverUrl, scratch);
    try {
      const scratchUrl = withDatabaseName(serverUrl, scratch);
      await applyPendingMigrations(scratchUrl, options);
      return await readFunctionDefinitions(scratchUrl);
    } finally {
      await dropDatabase(serverUrl, scratch);
    }
  });
  const files = renderFunctionFiles(definitions);
  const removed = await writeFunctionFiles(dir, files);
  for (const name of files.keys()) out(path.join(dir, name));
  log(`wrote ${files.size} function file(s)${removed.length === 0 ? "" : `, removed ${removed.join(", ")}`}`);
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
