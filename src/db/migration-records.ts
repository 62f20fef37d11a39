import { createHash } from "node:crypto";
import pg from "pg";
import type { MigrationList } from "@prisma/schema-engine-wasm/schema_engine_bg" with { "resolution-mode": "import" };

/**
 * Whether `_prisma_migrations` already records every migration of the list, applied and with the file's checksum,
 * and no failed one: then there is nothing for the schema engine to do. Anything else (no table yet, a pending,
 * failed or edited migration) answers false, and the engine decides and reports.
 */
export async function migrationsAllRecorded(databaseUrl: string, list: MigrationList): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client
      .query<{ name: string; checksum: string; finished: boolean; rolledBack: boolean }>(
        `SELECT migration_name AS name, checksum, finished_at IS NOT NULL AS finished,
                rolled_back_at IS NOT NULL AS "rolledBack"
           FROM _prisma_migrations`,
      )
      .catch((error: { code?: string }) => {
        if (error.code === "42P01") return { rows: [] }; // undefined_table: a database never migrated
        throw error;
      });
    if (rows.some((row) => !row.finished && !row.rolledBack)) return false;
    const applied = new Map(rows.filter((row) => row.finished && !row.rolledBack).map((row) => [row.name, row]));
    return list.migrationDirectories.every((directory) => {
      const file = directory.migrationFile.content;
      const checksum = file.tag === "ok" ? createHash("sha256").update(file.value).digest("hex") : undefined;
      return checksum !== undefined && applied.get(directory.path)?.checksum === checksum;
    });
  } finally {
    await client.end();
  }
}
