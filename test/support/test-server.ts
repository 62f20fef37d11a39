import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import pino from "pino";
import { startImagegate, type Imagegate } from "../../src/app";
import { createUserWithKey } from "../../src/cli/create-user";
import type { ImageStorage } from "../../src/storage/image-storage";
import type { AppLogger } from "../../src/logging";
import type { GenerationUpdates } from "../../src/domain/generation/generation-updates";
import { loadSettings } from "../../src/config";
import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { verifyLedger, type LedgerReport } from "../../src/domain/ledger/verify-ledger";
import { createTestDatabase } from "./database";
import { executeOperation, type GraphQLResponse } from "./graphql-client";

export interface TestServer {
  url: string;
  /** The test's own connection to the database (direct, even when the server's goes through a proxy). */
  db: Db;
  databaseUrl: string;
  app: Imagegate;
  graphql<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    variables: TVariables,
    apiKey?: string,
  ): Promise<GraphQLResponse<TData>>;
  /** Moves the server's clock (budget periods, spend days) to `at`; null goes back to the system clock. */
  setClock(at: Date | null): void;
  /** A user with an API key and, optionally, credits in USD ("1.00"). */
  createUser(role?: "MEMBER" | "FINANCE" | "ADMIN", credits?: string): Promise<{ userId: string; apiKey: string }>;
  /** Stops the server, then proves the ledger (verify-ledger) and throws its report on any mismatch; drops the database. */
  close(): Promise<void>;
}

/** The parts of verify-ledger's report that close() can be told to overlook. */
export type LedgerSection = "accounts" | "holds" | "charges" | "balanceChain" | "aggregates";

export interface TestServerOptions {
  /** The URL the server connects with, given its database's URL: e.g. through a TCP proxy a test can cut. */
  serverDatabaseUrl?: (databaseUrl: string) => string;
  /**
   * Sections of verify-ledger that close() does not insist on, for a test file whose fixtures write around the
   * ledger on purpose (say, aggregates inserted directly for a report's scale). Say why where it is used.
   */
  ignoreLedgerSections?: LedgerSection[];
  /** Where images go, given the server's data folder; the segment files under it by default. */
  storage?: (dataDir: string) => ImageStorage;
  /** The server's logger, for a test that reads the logs; by default pino at TEST_LOG_LEVEL (silent). */
  logger?: AppLogger;
  /** Where the generation flow announces to live watchers (a recording one, say); nobody by default. */
  generationUpdates?: GenerationUpdates;
}

/** Whether the report is ok once the ignored sections are set aside. */
function ledgerOk(report: LedgerReport, ignored: LedgerSection[]): boolean {
  const sections: Record<LedgerSection, boolean> = {
    accounts: report.mismatchCount === 0,
    holds: report.holds.ok,
    charges: report.charges.ok,
    balanceChain: report.balanceChain.ok,
    aggregates: report.aggregates.ok,
  };
  return Object.entries(sections).every(([name, ok]) => ok || ignored.includes(name as LedgerSection));
}

let userCounter = 0;

/**
 * imagegate in this process, on a fresh database of its own, listening on 127.0.0.1 with an OS-chosen port.
 * `env` is what a deployment would set (OPENAI_BASE_URL of a fake, and so on).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const serverDatabaseUrl = options.serverDatabaseUrl?.(database.databaseUrl) ?? database.databaseUrl;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-test-"));
  const settings = loadSettings({
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: dataDir,
    DATABASE_URL: serverDatabaseUrl,
    PROVIDER_TIMEOUT_SECONDS: "5",
    PROVIDER_MAX_RETRIES: "2",
    LOG_LEVEL: "silent",
    // Most suites state DALL-E 3's flat prices; the template enables it though shut down (test/global-setup.ts).
    DEFAULT_IMAGE_MODEL: "DALL_E_3",
    ...env,
  });
  const db = createPrismaClient(database.databaseUrl);
  const serverDb = serverDatabaseUrl === database.databaseUrl ? db : createPrismaClient(serverDatabaseUrl);
  let clockOffsetMs = 0;
  // A server that fails to start (a test of settings, say) leaves nothing behind either.
  const app = await startImagegate({
    now: () => new Date(Date.now() + clockOffsetMs),
    settings,
    db: serverDb,
    databaseUrl: serverDatabaseUrl,
    logger: options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
    storage: options.storage?.(dataDir),
    generationUpdates: options.generationUpdates,
  }).catch(async (error: unknown) => {
    if (serverDb !== db) await serverDb.$disconnect();
    await db.$disconnect();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: app.url,
    db,
    databaseUrl: database.databaseUrl,
    app,
    graphql: (document, variables, apiKey) => executeOperation(app.url, document, variables, apiKey),
    setClock: (at) => {
      clockOffsetMs = at === null ? 0 : at.getTime() - Date.now();
    },
    createUser: (role = "MEMBER", credits) =>
      createUserWithKey(db, { email: `user${++userCounter}-${process.pid}@example.com`, role, credits }),
    async close() {
      let report: LedgerReport | undefined;
      try {
        await app.close();
        if (serverDb !== db) await serverDb.$disconnect();
        report = await verifyLedger(db);
      } finally {
        await db.$disconnect();
        await database.drop();
        await rm(dataDir, { recursive: true, force: true });
      }
      if (!ledgerOk(report, options.ignoreLedgerSections ?? []))
        throw new Error(`verify-ledger failed after this test file:\n${JSON.stringify(report, null, 2)}`);
    },
  };
}
