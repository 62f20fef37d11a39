import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import pg from "pg";
import { createDatabase, dropDatabase, withDatabaseName } from "./postgres-admin";

/**
 * The driver adapter the WebAssembly schema engine migrates through: @prisma/adapter-pg with three fixes.
 * - `executeScript` sends the whole script as one simple-protocol query, as the native engine does
 *   (`batch_execute`). The stock adapter splits on `;`, which breaks `$$`-quoted function bodies and any
 *   string literal holding a `;`. One query also makes each migration atomic (an implicit transaction).
 * - Columns of PostgreSQL's internal `"char"` type (OID 18, e.g. `pg_class.relkind`) reach the engine as text;
 *   the stock adapter rejects them, which breaks describing a live schema (diffs against a shadow database).
 * - Shadow databases are created on the target's server and dropped after their pool is closed.
 * Every adapter handed out is tracked so `disposeAll()` can close what the engine leaves open.
 */
export class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "@prisma/adapter-pg";
  private readonly openAdapters = new Set<SqlDriverAdapter>();

  constructor(private readonly databaseUrl: string) {}

  async connect(): Promise<SqlDriverAdapter> {
    return this.open(this.databaseUrl);
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const shadowName = `prisma_shadow_${randomUUID().replace(/-/g, "")}`;
    await createDatabase(this.databaseUrl, shadowName);
    const adapter = await this.open(withDatabaseName(this.databaseUrl, shadowName));
    const closePool = adapter.dispose.bind(adapter);
    // Close our pool first: DROP DATABASE fails while our own sessions are still connected.
    adapter.dispose = async () => {
      await closePool();
      await dropDatabase(this.databaseUrl, shadowName);
    };
    return adapter;
  }

  async disposeAll(): Promise<void> {
    const adapters = [...this.openAdapters];
    this.openAdapters.clear();
    const results = await Promise.allSettled(adapters.map((adapter) => adapter.dispose()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  private async open(databaseUrl: string): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPg({ connectionString: databaseUrl, Client: CharAsTextClient }).connect();
    const pool = adapter.underlyingDriver();
    adapter.executeScript = (script) => executeWholeScript(pool, script);
    const dispose = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => {
      // The engine may dispose an adapter itself; disposing twice would end a pool twice.
      this.openAdapters.delete(adapter);
      disposed ??= dispose();
      return disposed;
    };
    this.openAdapters.add(adapter);
    return adapter;
  }
}

async function executeWholeScript(pool: pg.Pool, script: string): Promise<void> {
  try {
    await pool.query(script); // no parameters: node-postgres uses the simple protocol, which takes many statements
  } catch (error) {
    throw toDriverAdapterError(error);
  }
}

function toDriverAdapterError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const database = error as pg.DatabaseError;
  if (typeof database.code !== "string" || typeof database.severity !== "string") return error;
  return new DriverAdapterError({
    kind: "postgres",
    code: database.code,
    severity: database.severity,
    message: database.message,
    detail: database.detail,
    column: database.column,
    hint: database.hint,
  });
}

const CHAR_OID = 18;
const TEXT_OID = 25;

type Callback = (error: Error | undefined, result: unknown) => void;

/** A node-postgres client that reports `"char"` columns as `text` (their text-format values already are). */
class CharAsTextClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    const patched = (...args: unknown[]): unknown => {
      const last = args[args.length - 1];
      if (typeof last === "function") {
        const callback = last as Callback;
        return query(...args.slice(0, -1), (error: Error | undefined, result: unknown) =>
          callback(error, error === undefined || error === null ? charColumnsAsText(result) : result),
        );
      }
      const returned = query(...args);
      return returned instanceof Promise ? returned.then(charColumnsAsText) : returned;
    };
    this.query = patched as pg.Client["query"];
  }
}

function charColumnsAsText(result: unknown): unknown {
  const results = Array.isArray(result) ? result : [result];
  for (const one of results as Array<Partial<pg.QueryResult> | undefined>) {
    for (const field of one?.fields ?? []) {
      if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}
