import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { withConnection } from "../../src/db/postgres-admin";
import { createEmptyTestDatabase, type TestDatabase } from "../support/database";
import { runDbTool } from "./tools/run-db-tool";

const ROOT = path.resolve(__dirname, "../..");
const REPO_SCHEMA = path.join(ROOT, "prisma", "schema.prisma");
const REPO_MIGRATIONS = path.join(ROOT, "prisma", "migrations");

type CheckResult = { inSync: true } | { inSync: false; script: string };
interface CreatedMigration {
  name: string;
  file: string;
  script: string;
  onlyEnumValues: boolean;
}
type Created = { created: true; migrations: CreatedMigration[] };
type CommandOutput<T> = { returned: T; out: string[]; log: string[] };

async function migrationFolders(migrationsDir: string): Promise<string[]> {
  return (await readdir(migrationsDir)).filter((name) => name !== "migration_lock.toml").sort();
}

/** The statements of a migration.sql, comments and blank lines left out, whitespace runs made single spaces. */
function statementLines(sql: string): string[] {
  return sql
    .split("\n")
    .filter((line) => line.trim().length > 0 && !line.startsWith("--"))
    .map((line) => line.replace(/\s+/g, " ").trim());
}

// A model of its own, so these tests do not depend on prisma/schema.prisma being in sync at the moment.
const TIER_SCHEMA = `datasource db {
  provider = "postgresql"
}

enum Tier {
  FREE
  PRO
}

model Account {
  id   Int  @id
  tier Tier @default(FREE)

  @@map("accounts")
}
`;

// Checks need a server for their shadow databases; an empty database of this run names it.
describe("checkMigrationsInSync and createMigration", () => {
  let server: TestDatabase;
  let workDir: string;

  beforeAll(async () => {
    server = await createEmptyTestDatabase();
    workDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-drift-"));
  });

  afterAll(async () => {
    await server.drop();
    await rm(workDir, { recursive: true, force: true });
  });

  it("finds the repository's migrations in sync with schema.prisma, hand-written CHECKs and seeds included", async () => {
    const run = await runDbTool<CheckResult>("check", { databaseUrl: server.databaseUrl });

    expect(run).toMatchObject({ ok: true, exitCode: 0, result: { inSync: true } });
  });

  it("reports, as the CI command, success for the repository", async () => {
    const run = await runDbTool<{ returned: boolean; out: string[] }>("command-check", {
      databaseUrl: server.databaseUrl,
    });

    expect(run).toMatchObject({ ok: true, exitCode: 0, result: { returned: true, out: [] } });
  });

  it("reports the missing SQL when schema.prisma changes, and writes it as a migration once", async () => {
    const schemaPath = path.join(workDir, "schema.prisma");
    const migrationsDir = path.join(workDir, "migrations");
    const schema = await readFile(REPO_SCHEMA, "utf8");
    const changed = schema.replace(/model User \{\n/, "model User {\n  nickname String?\n");
    expect(changed).not.toBe(schema);
    await writeFile(schemaPath, changed);
    await cp(REPO_MIGRATIONS, migrationsDir, { recursive: true });
    const paths = { databaseUrl: server.databaseUrl, schemaPath, migrationsDir };

    const drift = await runDbTool<CheckResult>("check", paths);
    expect(drift).toMatchObject({ ok: true, result: { inSync: false } });
    const missing = (drift.result as { script: string }).script;
    expect(missing).toContain('ALTER TABLE "users" ADD COLUMN     "nickname" TEXT;');
    // Only the new column: nothing hand-written (CHECK constraints, seeds) shows up as drift.
    expect(missing).not.toMatch(/CONSTRAINT|DROP|INSERT|DELETE/);

    const command = await runDbTool<{ returned: boolean; out: string[] }>("command-check", {
      databaseUrl: server.databaseUrl,
      schemaPath,
    });
    expect(command).toMatchObject({ ok: true, result: { returned: false, out: [missing] } });

    const created = await runDbTool<Created>("create", { ...paths, name: "Add nickname" });
    expect(created).toMatchObject({
      ok: true,
      result: {
        created: true,
        migrations: [{ name: expect.stringMatching(/^\d{14}_add_nickname$/), onlyEnumValues: false }],
      },
    });
    const [migration] = created.result.migrations;
    expect(await readFile(migration?.file ?? "", "utf8")).toBe(missing);
    expect(migration?.file).toBe(path.join(migrationsDir, migration?.name ?? "", "migration.sql"));
    const folders = await migrationFolders(migrationsDir);
    expect(folders.at(-1)).toBe(migration?.name);

    const again = await runDbTool("create", { ...paths, name: "nothing" });
    expect(again).toMatchObject({ ok: true, result: { created: false } });
    expect(await migrationFolders(migrationsDir)).toEqual(folders);
    const after = await runDbTool<CheckResult>("check", paths);
    expect(after).toMatchObject({ ok: true, result: { inSync: true } });
  }, 90_000);

  describe("when schema.prisma adds enum values", () => {
    /** A scratch schema and migrations folder holding one `init` migration that creates the Tier enum. */
    async function scratchProject(folder: string, initAt: string) {
      const dir = path.join(workDir, folder);
      const schemaPath = path.join(dir, "schema.prisma");
      const migrationsDir = path.join(dir, "migrations");
      await mkdir(dir, { recursive: true });
      await writeFile(schemaPath, TIER_SCHEMA);
      const paths = { databaseUrl: server.databaseUrl, schemaPath, migrationsDir };
      const init = await runDbTool<Created>("create", { ...paths, name: "init", now: initAt });
      expect(init).toMatchObject({ ok: true, result: { created: true, migrations: [{ onlyEnumValues: false }] } });
      const script = init.result.migrations[0]?.script ?? "";
      expect(script).toContain(`CREATE TYPE "Tier" AS ENUM ('FREE', 'PRO');`);
      expect(script).not.toMatch(/ADD VALUE|Generated by/); // no enum value added: written as the engine gave it
      return { ...paths, init: init.result.migrations[0]?.name ?? "" };
    }

    it("writes the new values as a migration of their own, committed before the rest, which may then use them", async () => {
      const project = await scratchProject("enum-split", "2099-01-01T00:00:59Z");
      expect(await migrationFolders(project.migrationsDir)).toEqual(["20990101000059_init"]);
      // The new column defaults to the new value: Prisma's own script already uses it.
      const changed = TIER_SCHEMA.replace("  PRO\n", "  PRO\n  TEAM\n").replace(
        "  tier Tier @default(FREE)\n",
        '  tier Tier @default(FREE)\n  fallbackTier Tier @default(TEAM) @map("fallback_tier")\n',
      );
      expect(changed).toContain("TEAM");
      await writeFile(project.schemaPath, changed);

      const command = await runDbTool<CommandOutput<Created>>("command-create", { ...project, name: "Add team tier" });

      expect(command).toMatchObject({ ok: true, exitCode: 0 });
      // Named after the last migration, one second apart (00:00:59 -> 00:01:00 -> 00:01:01).
      const enumValues = "20990101000100_add_team_tier_enum_values";
      const rest = "20990101000101_add_team_tier";
      expect(await migrationFolders(project.migrationsDir)).toEqual(["20990101000059_init", enumValues, rest]);
      const files = [enumValues, rest].map((name) => path.join(project.migrationsDir, name, "migration.sql"));
      expect(command.result.out).toEqual(files);
      expect(command.result.returned).toEqual({
        created: true,
        migrations: [
          { name: enumValues, file: files[0], script: expect.any(String), onlyEnumValues: true },
          { name: rest, file: files[1], script: expect.any(String), onlyEnumValues: false },
        ],
      });
      expect(command.result.log.join("\n")).toContain(`the new enum values are in ${enumValues}`);
      const [enumSql, restSql] = await Promise.all(files.map((file) => readFile(file, "utf8")));
      expect(command.result.returned.migrations.map((migration) => migration.script)).toEqual([enumSql, restSql]);
      expect(enumSql).toMatch(/^-- Generated by `npm run migrate:create`: only the new enum values/);
      expect(enumSql).toContain('"unsafe use of new value"');
      expect(statementLines(enumSql ?? "")).toEqual([`ALTER TYPE "Tier" ADD VALUE 'TEAM';`]);
      expect(statementLines(restSql ?? "")).toEqual([
        `ALTER TABLE "accounts" ADD COLUMN "fallback_tier" "Tier" NOT NULL DEFAULT 'TEAM';`,
      ]);

      // The two build exactly what the schema describes.
      const check = await runDbTool<CheckResult>("check", project);
      expect(check).toMatchObject({ ok: true, result: { inSync: true } });

      // Hand-written SQL that uses the new value, appended as a developer would.
      const handWritten = [
        `INSERT INTO "accounts" ("id", "tier") VALUES (1, 'TEAM');`,
        `ALTER TABLE "accounts" ADD CONSTRAINT "accounts_fallback_tier_check" CHECK ("fallback_tier" IN ('FREE', 'TEAM'));`,
      ].join("\n");
      await writeFile(files[1] ?? "", `${restSql}\n-- Hand-written\n${handWritten}\n`);
      // The same SQL as one migration, as it was before the split: PostgreSQL refuses it.
      const merged = path.join(workDir, "enum-merged");
      await mkdir(path.join(merged, "20990101000100_add_team_tier"), { recursive: true });
      await cp(path.join(project.migrationsDir, project.init), path.join(merged, project.init), { recursive: true });
      await writeFile(
        path.join(merged, "20990101000100_add_team_tier", "migration.sql"),
        `${enumSql}\n${await readFile(files[1] ?? "", "utf8")}`,
      );

      const [mergedDatabase, splitDatabase] = await Promise.all([createEmptyTestDatabase(), createEmptyTestDatabase()]);
      try {
        const failed = await runDbTool("apply", {
          ...project,
          databaseUrl: mergedDatabase.databaseUrl,
          migrationsDir: merged,
        });
        expect(failed).toMatchObject({ ok: false, exitCode: 1 });
        expect(failed.error).toMatch(/unsafe use of new value "TEAM" of enum type "Tier"/);

        const applied = await runDbTool<{ applied: string[] }>("apply", {
          ...project,
          databaseUrl: splitDatabase.databaseUrl,
        });
        expect(applied).toMatchObject({ ok: true, exitCode: 0 });
        expect(applied.result.applied).toEqual(["20990101000059_init", enumValues, rest]);
        const state = await withConnection(splitDatabase.databaseUrl, async (client) => ({
          accounts: (await client.query(`SELECT id, tier::text, fallback_tier::text FROM accounts`)).rows,
          checks: (
            await client.query(
              `SELECT conname FROM pg_constraint WHERE conrelid = 'accounts'::regclass AND contype = 'c'`,
            )
          ).rows,
          unfinished: (await client.query(`SELECT 1 FROM _prisma_migrations WHERE finished_at IS NULL`)).rowCount,
        }));
        expect(state).toEqual({
          accounts: [{ id: 1, tier: "TEAM", fallback_tier: "TEAM" }],
          checks: [{ conname: "accounts_fallback_tier_check" }],
          unfinished: 0,
        });
      } finally {
        await Promise.all([mergedDatabase.drop(), splitDatabase.drop()]);
      }
    }, 120_000);

    it("writes one migration when the change only adds enum values, noting that SQL using them goes later", async () => {
      const project = await scratchProject("enum-only", "2099-01-01T00:00:00Z");
      await writeFile(project.schemaPath, TIER_SCHEMA.replace("  PRO\n", "  PRO\n  TEAM\n  ENTERPRISE\n"));

      const command = await runDbTool<CommandOutput<Created>>("command-create", { ...project, name: "more tiers" });

      expect(command).toMatchObject({ ok: true, exitCode: 0 });
      const name = "20990101000001_more_tiers";
      expect(await migrationFolders(project.migrationsDir)).toEqual(["20990101000000_init", name]);
      const file = path.join(project.migrationsDir, name, "migration.sql");
      expect(command.result.out).toEqual([file]);
      expect(command.result.returned).toMatchObject({
        created: true,
        migrations: [{ name, file, onlyEnumValues: true }],
      });
      expect(command.result.log.join("\n")).toContain("SQL that uses them goes into a later migration");
      const sql = await readFile(file, "utf8");
      expect(sql).toMatch(/^-- Generated by `npm run migrate:create`: this migration adds enum values\./);
      expect(sql).toContain("goes into a later migration, not here");
      expect(statementLines(sql)).toEqual([
        `ALTER TYPE "Tier" ADD VALUE 'TEAM';`,
        `ALTER TYPE "Tier" ADD VALUE 'ENTERPRISE';`,
      ]);
    }, 90_000);
  });
});
