import path from "node:path";
import { startEmbeddedPostgres } from "./embedded";
import { applyPendingMigrations } from "./migrations";

export interface OpenDatabaseOptions {
  /** An existing PostgreSQL database; when absent, an embedded server is started. */
  databaseUrl?: string;
  /** imagegate's data folder (`.data`): the embedded cluster lives in its `postgres` subfolder. */
  dataDir: string;
  log: (message: string) => void;
  /** Migrate in a short-lived child process, so that this one never loads the schema engine: for the server. */
  migrateInChildProcess?: boolean;
}

export interface OpenDatabase {
  databaseUrl: string;
  /** Stops the embedded server, if one was started; nothing to do for DATABASE_URL. */
  close(): Promise<void>;
}

/** The server's and the CLI's database: DATABASE_URL, else embedded PostgreSQL, migrated to the latest. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  const { databaseUrl, close } = await resolveDatabase(options);
  try {
    const applied = await applyPendingMigrations(databaseUrl, {
      inChildProcess: options.migrateInChildProcess === true ? { log: options.log } : undefined,
    });
    options.log(applied.length === 0 ? "database schema is up to date" : `applied migrations: ${applied.join(", ")}`);
  } catch (error) {
    await close();
    throw error;
  }
  return { databaseUrl, close };
}

/** DATABASE_URL, else the embedded server; not migrated. For commands that only need a server. */
export async function resolveDatabase(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  if (options.databaseUrl !== undefined && options.databaseUrl.length > 0) {
    return { databaseUrl: options.databaseUrl, close: async () => undefined };
  }
  const embedded = await startEmbeddedPostgres({
    dataDir: embeddedDataDir(options.dataDir),
    log: options.log,
  });
  return { databaseUrl: embedded.databaseUrl, close: () => embedded.stop() };
}

export function embeddedDataDir(dataDir: string): string {
  return path.join(path.resolve(dataDir), "postgres");
}
