import pg from "pg";

/** Server-level chores (create, drop, wait) that Prisma does not do: databases, not schemas, isolate. */

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The same server and credentials, another database. */
export function withDatabaseName(databaseUrl: string, databaseName: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(databaseName)}`;
  return url.toString();
}

export function databaseNameOf(databaseUrl: string): string {
  return decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ""));
}

/** Runs `work` on one short-lived connection, closed whatever happens. */
export async function withConnection<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined); // a server shutting down must not crash us; the query fails instead
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(serverUrl: string, databaseName: string, templateName?: string): Promise<void> {
  const template = templateName === undefined ? "" : ` TEMPLATE ${quoteIdentifier(templateName)}`;
  await withConnection(serverUrl, (client) =>
    client.query(`CREATE DATABASE ${quoteIdentifier(databaseName)}${template}`),
  );
}

/** Drops even while sessions are still connected (PostgreSQL 13+). */
export async function dropDatabase(serverUrl: string, databaseName: string): Promise<void> {
  await withConnection(serverUrl, (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(databaseName)} WITH (FORCE)`),
  );
}

export async function databaseExists(serverUrl: string, databaseName: string): Promise<boolean> {
  const result = await withConnection(serverUrl, (client) =>
    client.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]),
  );
  return result.rowCount === 1;
}

/** True when a server answers at `databaseUrl` within `timeoutMs`. */
export async function canConnect(databaseUrl: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
