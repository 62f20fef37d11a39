import { readFile } from "node:fs/promises";
import type { DiffParams, SchemaFilter } from "@prisma/schema-engine-wasm/schema_engine_bg" with {
  "resolution-mode": "import",
};
import {
  type MigrationPaths,
  nextMigrationName,
  readMigrationList,
  resolvePaths,
  splitNewEnumValues,
  writeMigration,
} from "./migration-files";
import { applyMigrationsInChildProcess } from "./migrate-in-child";
import { migrationsAllRecorded } from "./migration-records";
import { withSchemaEngine } from "./schema-engine";

export type { MigrationPaths } from "./migration-files";

export interface MigrationOptions extends MigrationPaths {
  /** The engine's own log lines (JSON), for debugging. */
  onEngineLog?: (line: string) => void;
}

export interface ApplyMigrationsOptions extends MigrationOptions {
  /**
   * Apply them in a short-lived `cli migrate` process (the project's own migrations only), so that this process
   * never holds the engine: for the server. Progress lines go to `log`.
   */
  inChildProcess?: { log: (line: string) => void };
}

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

/**
 * `prisma migrate deploy`: applies the migrations the database has not recorded yet, in name order, each
 * recorded in `_prisma_migrations` (checksum = SHA-256 of migration.sql) exactly as the CLI records it.
 * Returns the names applied, none when up to date. A failed migration is recorded as failed and throws.
 */
export async function applyPendingMigrations(
  databaseUrl: string,
  options: ApplyMigrationsOptions = {},
): Promise<string[]> {
  const { migrationsDir, schemaPath } = resolvePaths(options);
  const migrationsList = await readMigrationList(migrationsDir);
  // The engine keeps ~80 MB resident for the life of the process once loaded: only load it when there is work.
  if (await migrationsAllRecorded(databaseUrl, migrationsList)) return [];
  if (options.inChildProcess !== undefined) {
    return applyMigrationsInChildProcess(databaseUrl, options.inChildProcess.log);
  }
  return withSchemaEngine({ databaseUrl, schemaPath, onEngineLog: options.onEngineLog }, async (engine) => {
    const output = await engine.applyMigrations({ migrationsList, filters: NO_FILTER });
    return output.appliedMigrationNames;
  });
}

/**
 * The SQL that would bring a database built from the migrations to what schema.prisma describes; empty when
 * they agree. Needs a server for a shadow database (created and dropped next to `databaseUrl`'s database).
 * Only what Prisma models counts: hand-written CHECK constraints, functions, triggers and seed rows appended to
 * a migration are invisible to this comparison, so they never show up as drift.
 */
export async function diffMigrationsToSchema(databaseUrl: string, options: MigrationOptions = {}): Promise<string> {
  const { migrationsDir, schemaPath } = resolvePaths(options);
  const migrationsList = await readMigrationList(migrationsDir);
  const schema = await readFile(schemaPath, "utf8");
  const params: DiffParams = {
    from: { tag: "migrations", ...migrationsList },
    to: { tag: "schemaDatamodel", files: [{ path: schemaPath, content: schema }] },
    script: true,
    exitCode: true,
    filters: NO_FILTER,
  };
  return withSchemaEngine({ databaseUrl, schemaPath, onEngineLog: options.onEngineLog }, async (engine) => {
    const result = await engine.diff(params);
    // With exitCode set, the engine answers 2 when there is something to migrate, 0 when in sync.
    return result.exitCode === 2 ? (result.stdout ?? "") : "";
  });
}

export interface CreatedMigration {
  /** The folder's name, `<timestamp>_<slug>`. */
  name: string;
  /** Its migration.sql, as written. */
  file: string;
  script: string;
  /** Holds only `ALTER TYPE ... ADD VALUE` statements: SQL using those values belongs in a later migration. */
  onlyEnumValues: boolean;
}

/** The end of the name of a migration split off to hold only new enum values. */
export const ENUM_VALUES_SUFFIX = "_enum_values";

/** The migrations written, in the order they apply: one, or two when new enum values had to go first. */
export type CreateMigrationResult = { created: true; migrations: CreatedMigration[] } | { created: false };

/**
 * `prisma migrate dev --create-only`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL
 * from the existing migrations to schema.prisma (and migration_lock.toml when missing). Writes nothing when
 * they already agree. The file is the developer's to extend with hand-written SQL before it is applied.
 * PostgreSQL cannot use an enum value in the transaction that added it, and each migration is applied in one
 * transaction, so when the SQL adds enum values and does more, the values go first into
 * `<timestamp>_<name>_enum_values` and the rest into `<timestamp + 1 s>_<name>`, which may then use them.
 */
export async function createMigration(
  databaseUrl: string,
  name: string,
  options: MigrationOptions & { now?: Date } = {},
): Promise<CreateMigrationResult> {
  const { migrationsDir } = resolvePaths(options);
  const diff = await diffMigrationsToSchema(databaseUrl, options);
  if (diff.trim().length === 0) return { created: false };
  const parts = splitNewEnumValues(diff);
  const planned = parts.split
    ? [
        { suffix: ENUM_VALUES_SUFFIX, script: parts.enumValues, onlyEnumValues: true },
        { suffix: "", script: parts.rest, onlyEnumValues: false },
      ]
    : [{ suffix: "", script: parts.script, onlyEnumValues: parts.onlyEnumValues }];
  const existing = (await readMigrationList(migrationsDir)).migrationDirectories.map((directory) => directory.path);
  const now = options.now ?? new Date();
  const migrations: CreatedMigration[] = [];
  for (const { suffix, script, onlyEnumValues } of planned) {
    const folderName = nextMigrationName(existing, name, now, suffix);
    existing.push(folderName); // so the next one sorts after it, one second later
    const file = await writeMigration(migrationsDir, folderName, script);
    migrations.push({ name: folderName, file, script, onlyEnumValues });
  }
  return { created: true, migrations };
}

export type MigrationsCheckResult = { inSync: true } | { inSync: false; script: string };

/** For CI: do the migrations produce exactly what schema.prisma describes? If not, the missing SQL. */
export async function checkMigrationsInSync(
  databaseUrl: string,
  options: MigrationOptions = {},
): Promise<MigrationsCheckResult> {
  const script = await diffMigrationsToSchema(databaseUrl, options);
  return script.trim().length === 0 ? { inSync: true } : { inSync: false, script };
}
