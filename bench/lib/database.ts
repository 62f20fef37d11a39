import pg from "pg";

// The bench's own SQL: creating and dropping its databases, and waiting for generations to settle.

export async function adminQuery(serverUrl: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

export function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Generations still PENDING. */
export async function pendingGenerations(databaseUrl: string): Promise<number> {
  const { rows } = await adminQuery(
    databaseUrl,
    "SELECT count(*) AS pending FROM image_generations WHERE status = 'PENDING'",
  );
  return Number((rows[0] as { pending: string }).pending);
}

/** Waits until no generation is PENDING (or the timeout); returns how many still are. */
export async function waitUntilSettled(databaseUrl: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await pendingGenerations(databaseUrl);
    if (pending === 0 || Date.now() > deadline) return pending;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
