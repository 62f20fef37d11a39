import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import pino from "pino";
import { startImagegate, type Imagegate } from "../../src/app";
import { createUserWithKey } from "../../src/cli/create-user";
import { loadSettings } from "../../src/config";
import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { createTestDatabase } from "./database";
import { executeOperation, type GraphQLResponse } from "./graphql-client";

export interface TestServer {
  url: string;
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
  close(): Promise<void>;
}

let userCounter = 0;

/**
 * imagegate in this process, on a fresh database of its own, listening on 127.0.0.1 with an OS-chosen port.
 * `env` is what a deployment would set (OPENAI_BASE_URL of a fake, and so on).
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-test-"));
  const settings = loadSettings({
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: dataDir,
    DATABASE_URL: database.databaseUrl,
    PROVIDER_TIMEOUT_SECONDS: "5",
    PROVIDER_MAX_RETRIES: "2",
    LOG_LEVEL: "silent",
    ...env,
  });
  const db = createPrismaClient(database.databaseUrl);
  let clockOffsetMs = 0;
  const app = await startImagegate({
    now: () => new Date(Date.now() + clockOffsetMs),
    settings,
    db,
    databaseUrl: database.databaseUrl,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
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
      await app.close();
      await db.$disconnect();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
