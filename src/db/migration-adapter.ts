import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  ColumnTypeEnum,
  DriverAdapterError,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
} from "@prisma/driver-adapter-utils";
import pg from "pg";
import { createDatabase, dropDatabase, withDatabaseName } from "./postgres-admin";

/**
 * The driver adapter the WebAssembly schema engine migrates through: @prisma/adapter-pg with three fixes.
 * - `executeScript` sends the whole script as one simple-protocol query, as the native engine does
 *   (`batch_execute`). The stock adapter splits on `;`, which breaks `$$`-quoted function bodies and any
 *   string literal holding a `;`. One query also makes each migration atomic (an implicit transaction).
 * - Columns of PostgreSQL's internal `"char"` type (OID 18, e.g. `pg_constraint.contype`) reach the engine as
 *   the adapter protocol's Character type. The stock adapter rejects OID 18, which breaks describing a live
 *   schema (every diff against a shadow database); reporting them as Text is not enough either: the describer
 *   then panics on the first CHECK constraint, whose `constraint_type` it reads as a char.
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
    // Dropped after our pool is closed: a database cannot be dropped from one of its own sessions.
    return this.open(withDatabaseName(this.databaseUrl, shadowName), () => dropDatabase(this.databaseUrl, shadowName));
  }

  async disposeAll(): Promise<void> {
    const adapters = [...this.openAdapters];
    this.openAdapters.clear();
    const results = await Promise.allSettled(adapters.map((adapter) => adapter.dispose()));
    const failure = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  private async open(databaseUrl: string, afterClose?: () => Promise<void>): Promise<SqlDriverAdapter> {
    const adapter = await new PrismaPg({ connectionString: databaseUrl, Client: CharAsTextClient }).connect();
    const pool = adapter.underlyingDriver();
    adapter.executeScript = (script) => executeWholeScript(pool, script);
    reportCharColumns(adapter);
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => reportCharColumns(await startTransaction(isolationLevel));
    const closePool = adapter.dispose.bind(adapter);
    let disposed: Promise<void> | undefined;
    adapter.dispose = () => {
      // The engine may dispose an adapter itself; disposing twice would end a pool twice.
      this.openAdapters.delete(adapter);
      disposed ??= closePool().then(afterClose);
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
/** Tags a column name on its way through the stock adapter: the one channel from a pg field to a column type. */
const CHAR_COLUMN_MARK = "\u0000char";

type Callback = (error: Error | undefined, result: unknown) => void;

/** A node-postgres client that lets `"char"` columns through the stock adapter: as text, with a tagged name. */
class CharAsTextClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    const patched = (...args: unknown[]): unknown => {
      const last = args[args.length - 1];
      if (typeof last === "function") {
        const callback = last as Callback;
        return query(...args.slice(0, -1), (error: Error | undefined, result: unknown) =>
          callback(error, error === undefined || error === null ? tagCharColumns(result) : result),
        );
      }
      const returned = query(...args);
      return returned instanceof Promise ? returned.then(tagCharColumns) : returned;
    };
    this.query = patched as pg.Client["query"];
  }
}

function tagCharColumns(result: unknown): unknown {
  const results = Array.isArray(result) ? result : [result];
  for (const one of results as Array<Partial<pg.QueryResult> | undefined>) {
    for (const field of one?.fields ?? []) {
      if (field.dataTypeID !== CHAR_OID) continue;
      field.dataTypeID = TEXT_OID; // its text-format value is the one character
      field.name += CHAR_COLUMN_MARK;
    }
  }
  return result;
}

/** Turns tagged Text columns back into Character columns with their real names. */
function reportCharColumns<T extends SqlQueryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    result.columnNames.forEach((name, index) => {
      if (!name.endsWith(CHAR_COLUMN_MARK)) return;
      result.columnNames[index] = name.slice(0, -CHAR_COLUMN_MARK.length);
      result.columnTypes[index] = ColumnTypeEnum.Character;
    });
    return result;
  };
  return queryable;
}
