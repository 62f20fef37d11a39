import { randomBytes } from "node:crypto";
import type pg from "pg";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isAlive, startEmbeddedPostgres } from "../src/db/embedded";
import { applyPendingMigrations } from "../src/db/migrations";
import { CATALOG } from "../src/domain/catalog";
import {
  canConnect,
  createDatabase,
  dropDatabase,
  withConnection,
  withDatabaseName,
  quoteIdentifier,
} from "../src/db/postgres-admin";
import globalTeardown from "./global-teardown";
import { RUN_ID_ENV, SERVER_URL_ENV, TEMPLATE_ENV, templateDatabaseName } from "./support/database";

// Runs once per jest run, in jest's own process (outside the module sandbox, so ESM-only packages load):
// finds a PostgreSQL server, builds a template database with every migration applied, and hands both to the
// workers through the environment. Test files then clone the template (test/support/database.ts).

const MACHINE_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

export interface TestRunState {
  serverUrl: string;
  runId: string;
  stopEmbedded?: () => Promise<void>;
  embeddedDir?: string;
}

declare global {
  // Shared with global-teardown.ts, which jest runs in this same process.
  var __imagegateTestRun: TestRunState | undefined;
}

/**
 * The fakes still serve the models OpenAI has shut down, and most suites were written against them (DALL-E 3's flat
 * prices make charges easy to state): the template enables each as itself, as setModelRoute does for a deployment
 * whose upstream still serves them. Suites about retirement and routes clear these rows first.
 */
async function enableRetiredModels(client: pg.Client): Promise<void> {
  const retired = Object.values(CATALOG)
    .filter((spec) => spec.lifecycle.shutdownDate !== null)
    .map((spec) => spec.model);
  await client.query(
    `INSERT INTO model_routes (model, served_by, enabled) SELECT unnest($1::"ImageModel"[]), NULL, true`,
    [retired],
  );
}

export default async function globalSetup(): Promise<void> {
  const startedMs = Date.now();
  const run = await findServer();
  globalThis.__imagegateTestRun = run;
  const template = templateDatabaseName(run.runId);
  try {
    if (run.stopEmbedded === undefined) await dropInterruptedRuns(run.serverUrl);
    await createDatabase(run.serverUrl, template);
    await applyPendingMigrations(withDatabaseName(run.serverUrl, template));
    await withConnection(withDatabaseName(run.serverUrl, template), enableRetiredModels);
    // Nobody may connect to the template from now on: a connected session would make every clone fail.
    await withConnection(run.serverUrl, (client) =>
      client.query(`ALTER DATABASE ${quoteIdentifier(template)} ALLOW_CONNECTIONS false`),
    );
  } catch (error) {
    // jest skips globalTeardown when globalSetup fails: clean up here.
    await globalTeardown().catch(() => undefined);
    throw error;
  }
  process.env[SERVER_URL_ENV] = run.serverUrl;
  process.env[TEMPLATE_ENV] = template;
  process.env[RUN_ID_ENV] = run.runId;
  testLog(`globalSetup: template ${template} ready in ${Date.now() - startedMs} ms`);
}

/**
 * TEST_DATABASE_URL, else DATABASE_URL, else this machine's PostgreSQL, else an embedded one
 * (IMAGEGATE_TEST_EMBEDDED=1 skips straight to the embedded one).
 */
async function findServer(): Promise<TestRunState> {
  const runId = `${process.pid}_${randomBytes(3).toString("hex")}`;
  if (process.env.IMAGEGATE_TEST_EMBEDDED === "1") return startEmbedded(runId);
  const configured = nonEmpty(process.env.TEST_DATABASE_URL) ?? nonEmpty(process.env.DATABASE_URL);
  if (configured !== undefined) {
    // Given explicitly, so never silently replaced by another server.
    if (!(await canConnect(configured, 5_000))) throw new Error(`Tests cannot connect to ${redact(configured)}`);
    testLog(`globalSetup: using ${redact(configured)}`);
    return { serverUrl: configured, runId };
  }
  if (await canConnect(MACHINE_POSTGRES_URL, 1_500)) {
    testLog(`globalSetup: using ${MACHINE_POSTGRES_URL}`);
    return { serverUrl: MACHINE_POSTGRES_URL, runId };
  }
  return startEmbedded(runId);
}

async function startEmbedded(runId: string): Promise<TestRunState> {
  const embeddedDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-test-pg-"));
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(embeddedDir, "data"),
    databaseName: "postgres",
    unsafeFastWrites: true,
    log: (message) => testLog(`globalSetup: ${message}`),
  });
  return { serverUrl: embedded.serverUrl, runId, stopEmbedded: embedded.stop, embeddedDir };
}

/**
 * An interrupted run (Ctrl-C, a killed CI job) never reaches globalTeardown and leaves its databases behind.
 * Their names carry the jest process id, so on this machine's servers the ones whose process is gone are dropped.
 */
async function dropInterruptedRuns(serverUrl: string): Promise<void> {
  const host = new URL(serverUrl).hostname;
  if (!["127.0.0.1", "localhost", "[::1]", ""].includes(host)) return; // another machine's runs may be alive
  const names = await withConnection(serverUrl, (client) =>
    client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE starts_with(datname, 'imagegate_test_')"),
  );
  for (const { datname } of names.rows) {
    const pid = /^imagegate_test_(?:template_)?(\d+)_[0-9a-f]{6}(?:_|$)/.exec(datname)?.[1];
    if (pid === undefined || isAlive(Number(pid))) continue;
    testLog(`globalSetup: dropping ${datname}, left by an interrupted run`);
    await dropDatabase(serverUrl, datname);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.toString();
}

/** Quiet unless IMAGEGATE_TEST_DB_LOG=1. */
function testLog(message: string): void {
  if (process.env.IMAGEGATE_TEST_DB_LOG === "1") process.stderr.write(`${message}\n`);
}
