import { rm } from "node:fs/promises";
import { dropDatabase, withConnection } from "../src/db/postgres-admin";
import { testDatabasePrefix, templateDatabaseName } from "./support/database";

// Drops what this run created (the template, and test databases a test file did not drop itself), then stops
// the embedded server if globalSetup started one.
export default async function globalTeardown(): Promise<void> {
  const run = globalThis.__imagegateTestRun;
  if (run === undefined) return;
  globalThis.__imagegateTestRun = undefined;
  try {
    const leftovers = await withConnection(run.serverUrl, (client) =>
      client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", [
        testDatabasePrefix(run.runId),
      ]),
    );
    const names = [templateDatabaseName(run.runId), ...leftovers.rows.map((row) => row.datname)];
    for (const name of names) await dropDatabase(run.serverUrl, name);
    if (process.env.IMAGEGATE_TEST_DB_LOG === "1")
      process.stderr.write(`globalTeardown: dropped ${names.length} database(s)\n`);
  } finally {
    await run.stopEmbedded?.();
    if (run.embeddedDir !== undefined) await rm(run.embeddedDir, { recursive: true, force: true });
  }
}
