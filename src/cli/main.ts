import "reflect-metadata";
import { parseArgs } from "node:util";
import { loadSettings } from "../config";
import { createPrismaClient } from "../db/client";
import { openDatabase } from "../db/database";
import { DomainError } from "../domain/errors";
import { describeError } from "../domain/logger";
import { MoneyFormatError } from "../domain/money";
import { createKeyForEmail, createUserWithKey } from "./create-user";
import { verifyLedger } from "../domain/ledger/verify-ledger";
import { checkMigrations, createMigrationCommand, emitFunctions, migrate } from "./migrations-commands";

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  create-user --email <email> --role <MEMBER|FINANCE|ADMIN> [--credits <usd>]
      creates a user and its first API key; prints {"userId": "...", "apiKeyId": "...", "apiKey": "..."}
  create-api-key --email <email> [--name <name>] [--expires-at <ISO 8601 instant>]
      another key for an existing user (one whose key was lost); prints {"userId", "apiKeyId", "apiKey",
      "expiresAt"}: the secret is shown once
  migrate                       applies pending migrations
  create-migration --name <n>   writes a migration from changes to prisma/schema.prisma
  check-migrations              fails when prisma/schema.prisma and the migrations disagree
  emit-functions                rewrites prisma/functions/<name>.sql from a freshly migrated scratch database
  verify-ledger                 proves balances, reservations, holds, charges and spend aggregates against the
                                ledger; prints a JSON report, exits 1 on any mismatch
`;

const log = (message: string) => process.stderr.write(`${message}\n`);

async function withDatabase<T>(work: (db: ReturnType<typeof createPrismaClient>) => Promise<T>): Promise<T> {
  const settings = loadSettings();
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, log });
  const db = createPrismaClient(database.databaseUrl);
  try {
    return await work(db);
  } finally {
    await db.$disconnect();
    await database.close();
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: "string" },
      role: { type: "string" },
      credits: { type: "string" },
      name: { type: "string" },
      "expires-at": { type: "string" },
    },
    strict: true,
  });
  switch (command) {
    case "create-user": {
      if (values.email === undefined || values.role === undefined)
        throw new UsageError("--email and --role are required");
      const { email, role, credits } = values;
      const created = await withDatabase((db) => createUserWithKey(db, { email, role, credits }));
      process.stdout.write(`${JSON.stringify(created)}\n`);
      return 0;
    }
    case "create-api-key": {
      if (values.email === undefined) throw new UsageError("--email is required");
      const options = { email: values.email, name: values.name, expiresAt: values["expires-at"] };
      const created = await withDatabase((db) => createKeyForEmail(db, options));
      process.stdout.write(`${JSON.stringify(created)}\n`);
      return 0;
    }
    case "migrate":
      await migrate();
      return 0;
    case "create-migration":
      if (values.name === undefined) throw new UsageError("--name is required");
      await createMigrationCommand(values.name);
      return 0;
    case "check-migrations":
      return (await checkMigrations()) ? 0 : 1;
    case "emit-functions":
      await emitFunctions();
      return 0;
    case "verify-ledger": {
      const report = await withDatabase((db) => verifyLedger(db));
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (!report.ok) log("verify-ledger: MISMATCH (see the report)");
      return report.ok ? 0 : 1;
    }
    default:
      throw new UsageError(command === undefined ? "a command is required" : `unknown command ${command}`);
  }
}

class UsageError extends Error {}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) log(`${error.message}\n\n${USAGE}`);
    else if (error instanceof DomainError || error instanceof MoneyFormatError) log(`error: ${error.message}`);
    else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS"))
      log(`${error.message}\n\n${USAGE}`);
    else log(`error: ${JSON.stringify(describeError(error))}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  },
);
