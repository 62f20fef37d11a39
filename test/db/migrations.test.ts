import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { withConnection } from "../../src/db/postgres-admin";
import { createEmptyTestDatabase, type TestDatabase } from "../support/database";
import { runDbTool } from "./tools/run-db-tool";

const MIGRATIONS_DIR = path.resolve(__dirname, "../../prisma/migrations");
// From the tool's answer to its exit: nothing should be left to wait for; the engine's own timer, if it held the
// process, would add about ten seconds.
const PROMPT_EXIT_MS = 5_000;

function repoMigrations(): Array<{ name: string; checksum: string }> {
  return readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({
      name,
      checksum: createHash("sha256")
        .update(readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql")))
        .digest("hex"),
    }));
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
}

describe("applyPendingMigrations on an empty database", () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createEmptyTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it("applies every migration and records each as `prisma migrate deploy` does", async () => {
    const run = await runDbTool<{ applied: string[] }>("apply", { databaseUrl: database.databaseUrl });

    expect(run).toMatchObject({ ok: true, exitCode: 0, result: { engineLoaded: true } });
    const expected = repoMigrations();
    expect(expected.length).toBeGreaterThan(0);
    expect(run.result.applied).toEqual(expected.map((migration) => migration.name));
    const rows = await withConnection(database.databaseUrl, (client) =>
      client.query<MigrationRow>("SELECT * FROM _prisma_migrations ORDER BY migration_name"),
    );
    expect(rows.rows).toEqual(
      expected.map((migration) =>
        expect.objectContaining({
          migration_name: migration.name,
          checksum: migration.checksum, // what the CLI computes: SHA-256 of migration.sql
          finished_at: expect.any(Date),
          rolled_back_at: null,
          logs: null,
          applied_steps_count: 1,
        }),
      ),
    );
    expect(run.exitAfterAnswerMs).toBeLessThan(PROMPT_EXIT_MS);
  });

  it("applies nothing when run again, without loading the schema engine", async () => {
    const run = await runDbTool<{ applied: string[] }>("apply", { databaseUrl: database.databaseUrl });

    // The engine stays resident once loaded (~80 MB): a server starting on an up-to-date database never loads it.
    expect(run).toMatchObject({ ok: true, exitCode: 0, result: { applied: [], engineLoaded: false } });
    const count = await withConnection(database.databaseUrl, (client) =>
      client.query<{ count: string }>("SELECT count(*) AS count FROM _prisma_migrations"),
    );
    expect(Number(count.rows[0]?.count)).toBe(repoMigrations().length);
    expect(run.exitAfterAnswerMs).toBeLessThan(PROMPT_EXIT_MS);
  });

  it("hands a migration edited since it was applied to the engine, which applies nothing", async () => {
    const [first] = repoMigrations();
    await withConnection(database.databaseUrl, (client) =>
      client.query("UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = $1", [first!.name]),
    );
    try {
      const run = await runDbTool<{ applied: string[] }>("apply", { databaseUrl: database.databaseUrl });

      expect(run).toMatchObject({ ok: true, exitCode: 0, result: { applied: [], engineLoaded: true } });
    } finally {
      await withConnection(database.databaseUrl, (client) =>
        client.query("UPDATE _prisma_migrations SET checksum = $1 WHERE migration_name = $2", [
          first!.checksum,
          first!.name,
        ]),
      );
    }
  });
});

describe("applyPendingMigrations in a child process (the server's way)", () => {
  it("applies every migration there, so the caller never loads the engine; then nothing, without a child", async () => {
    const database = await createEmptyTestDatabase();
    try {
      const names = repoMigrations().map((migration) => migration.name);
      const first = await runDbTool("apply-in-child", { databaseUrl: database.databaseUrl });
      expect(first).toMatchObject({
        ok: true,
        result: { applied: names, engineLoaded: false, log: [`applied ${names.length} migration(s)`] },
      });

      const again = await runDbTool("apply-in-child", { databaseUrl: database.databaseUrl });
      expect(again).toMatchObject({ ok: true, result: { applied: [], engineLoaded: false, log: [] } });
    } finally {
      await database.drop();
    }
  });
});

describe("the migrate command", () => {
  it("migrates the database DATABASE_URL names and prints what it applied on stdout", async () => {
    const database = await createEmptyTestDatabase();
    try {
      const run = await runDbTool<{ returned: string[]; out: string[]; log: string[] }>("command-migrate", {
        databaseUrl: database.databaseUrl,
      });

      const names = repoMigrations().map((migration) => migration.name);
      expect(run).toMatchObject({ ok: true, exitCode: 0, result: { returned: names, out: names } });
    } finally {
      await database.drop();
    }
  });
});
