import path from "node:path";
import { withConnection } from "../../src/db/postgres-admin";
import { createEmptyTestDatabase, type TestDatabase } from "../support/database";
import { runDbTool } from "./tools/run-db-tool";

const FIXTURES = path.join(__dirname, "fixtures");

describe("migrations with PL/pgSQL", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createEmptyTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it("applies a `$$`-quoted function body and a trigger intact, and records the migration", async () => {
    const run = await runDbTool<{ applied: string[] }>("apply", {
      databaseUrl: database.databaseUrl,
      migrationsDir: path.join(FIXTURES, "dollar-quoted"),
    });

    expect(run).toMatchObject({ ok: true, exitCode: 0, result: { applied: ["20990101000000_append_only"] } });
    await withConnection(database.databaseUrl, async (client) => {
      const note = await client.query<{ note: string; count: string }>(
        'SELECT "note", "entry_count"() AS count FROM "entries"',
      );
      expect(note.rows).toEqual([{ note: "first; with a semicolon", count: "1" }]);
      await expect(client.query('DELETE FROM "entries"')).rejects.toThrow("entries are append-only; DELETE refused");
      const recorded = await client.query("SELECT 1 FROM _prisma_migrations WHERE finished_at IS NOT NULL");
      expect(recorded.rowCount).toBe(1);
    });
  });
});

describe("a migration that fails", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createEmptyTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it("is rolled back as a whole, recorded as failed with PostgreSQL's error, and stops the command", async () => {
    const run = await runDbTool("apply", {
      databaseUrl: database.databaseUrl,
      migrationsDir: path.join(FIXTURES, "failing"),
    });

    expect(run).toMatchObject({ ok: false, exitCode: 1 });
    expect(run.error).toContain("division by zero");
    await withConnection(database.databaseUrl, async (client) => {
      const rows = await client.query<{ migration_name: string; finished: boolean; logs: string | null }>(
        "SELECT migration_name, finished_at IS NOT NULL AS finished, logs FROM _prisma_migrations ORDER BY migration_name",
      );
      expect(rows.rows).toEqual([
        { migration_name: "20990101000000_first", finished: true, logs: null },
        { migration_name: "20990101000001_broken", finished: false, logs: expect.stringContaining("division by zero") },
      ]);
      const tables = await client.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE tablename IN ('first_table', 'half_done')",
      );
      expect(tables.rows).toEqual([{ tablename: "first_table" }]);
    });

    // Like `prisma migrate deploy`, a failed migration blocks every later run until someone resolves it.
    const again = await runDbTool("apply", {
      databaseUrl: database.databaseUrl,
      migrationsDir: path.join(FIXTURES, "failing"),
    });
    expect(again).toMatchObject({ ok: false, exitCode: 1 });
    expect(again.error).toContain("20990101000001_broken");
  });
});
