import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createEmptyTestDatabase, type TestDatabase } from "../support/database";
import { runDbTool } from "./tools/run-db-tool";

const ROOT = path.resolve(__dirname, "../..");
const REPO_SCHEMA = path.join(ROOT, "prisma", "schema.prisma");
const REPO_MIGRATIONS = path.join(ROOT, "prisma", "migrations");

type CheckResult = { inSync: true } | { inSync: false; script: string };

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

    const created = await runDbTool<{ created: boolean; name: string; file: string }>("create", {
      ...paths,
      name: "Add nickname",
    });
    expect(created).toMatchObject({
      ok: true,
      result: { created: true, name: expect.stringMatching(/^\d{14}_add_nickname$/) },
    });
    expect(await readFile(created.result.file, "utf8")).toBe(missing);
    const folders = (await readdir(migrationsDir)).filter((name) => name !== "migration_lock.toml").sort();
    expect(folders.at(-1)).toBe(created.result.name);

    const again = await runDbTool("create", { ...paths, name: "nothing" });
    expect(again).toMatchObject({ ok: true, result: { created: false } });
    expect((await readdir(migrationsDir)).filter((name) => name !== "migration_lock.toml").sort()).toEqual(folders);
    const after = await runDbTool<CheckResult>("check", paths);
    expect(after).toMatchObject({ ok: true, result: { inSync: true } });
  }, 90_000);
});
