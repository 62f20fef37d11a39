import { randomBytes } from "node:crypto";
import { createDatabase, dropDatabase, withDatabaseName } from "../../src/db/postgres-admin";

// Set by test/global-setup.ts for every worker: the server's maintenance database, the migrated template to
// clone, and this run's id (in every database name, so teardown finds what the run left behind).
export const SERVER_URL_ENV = "IMAGEGATE_TEST_SERVER_URL";
export const TEMPLATE_ENV = "IMAGEGATE_TEST_TEMPLATE";
export const RUN_ID_ENV = "IMAGEGATE_TEST_RUN_ID";

export interface TestDatabase {
  databaseUrl: string;
  name: string;
  /** Drops the database, even with sessions still open. */
  drop(): Promise<void>;
}

/** The prefix of every database a run creates besides its template. */
export function testDatabasePrefix(runId: string): string {
  return `imagegate_test_${runId}_`;
}

export function templateDatabaseName(runId: string): string {
  return `imagegate_test_template_${runId}`;
}

interface TestServer {
  serverUrl: string;
  template: string;
  runId: string;
}

function testServer(): TestServer {
  const serverUrl = process.env[SERVER_URL_ENV];
  const template = process.env[TEMPLATE_ENV];
  const runId = process.env[RUN_ID_ENV];
  if (serverUrl === undefined || template === undefined || runId === undefined) {
    throw new Error(`${SERVER_URL_ENV} is not set: run tests through jest, whose globalSetup prepares the database`);
  }
  return { serverUrl, template, runId };
}

/** A fresh database with every migration applied (a copy of the run's template): one per test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { template } = testServer();
  return newDatabase(template);
}

/** A fresh database with nothing in it, for tests of migrations themselves. */
export async function createEmptyTestDatabase(): Promise<TestDatabase> {
  return newDatabase(undefined);
}

async function newDatabase(template: string | undefined): Promise<TestDatabase> {
  const { serverUrl, runId } = testServer();
  const name = `${testDatabasePrefix(runId)}${randomBytes(6).toString("hex")}`;
  await createDatabase(serverUrl, name, template);
  return {
    databaseUrl: withDatabaseName(serverUrl, name),
    name,
    drop: () => dropDatabase(serverUrl, name),
  };
}
