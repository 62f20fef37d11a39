import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { verifyLedger } from "../../src/domain/ledger/verify-ledger";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { createFundedUser } from "../support/hold-fixtures";
import { insertCharge } from "../support/spend-fixtures";

// The SHARD_MODEL and SHARD_TAGS grains' keys are shared by the users of a shard, whose charges are not serialized
// by one user's row lock: the trigger locks those keys before it reads their totals. Seventeen users make at least
// two share one of the sixteen shards, whatever their random ids.

let database: TestDatabase;
let db: Db;
let users: string[];
let sharing: [string, string];
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(`${database.databaseUrl}?connection_limit=8`);
  users = [];
  for (let i = 0; i < 17; i++) users.push(await createFundedUser(db, "100.00"));
  const shards = await db.$queryRaw<{ shard: number; users: string[] }[]>`
    SELECT spend_shard(id)::int AS shard, array_agg(id::text ORDER BY id) AS users
      FROM users WHERE id = ANY (${users}::uuid[]) GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 1`;
  sharing = [shards[0]!.users[0]!, shards[0]!.users[1]!];
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const dalle = { model: "DALL_E_2", size: "SIZE_256X256", quality: "STANDARD", n: 1 } as const;
const sdxl = { model: "STABLE_DIFFUSION_XL", size: "SIZE_1024X1024", quality: "STANDARD", n: 2 } as const;

/** Running-total rows of the shard grains that differ from the ledger's sum up to the end of their minute. */
async function wrongShardRows(): Promise<{ wrong: number; rows: number }> {
  const [row] = await db.$queryRaw<{ wrong: number; rows: number }[]>`
    WITH entry AS (
      SELECT k.grain, k.shard, k.model, k.tag_set, date_trunc('minute', l.created_at, 'UTC') AS minute,
             -l.amount_micros AS cost, CASE WHEN l.kind = 'CHARGE' THEN 1 ELSE 0 END AS requests
        FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
       CROSS JOIN LATERAL spend_grain_keys(l.user_id, g.team_id, g.api_key_id, g.model, g.tags) k
       WHERE l.kind IN ('CHARGE', 'REFUND') AND k.grain::text LIKE 'SHARD%')
    SELECT count(*) FILTER (WHERE (r.cost_micros, r.requests) IS DISTINCT FROM
             (SELECT (COALESCE(sum(e.cost), 0)::int8, COALESCE(sum(e.requests), 0)::int8) FROM entry e
               WHERE e.grain = k.grain AND e.shard = k.shard AND e.model IS NOT DISTINCT FROM k.model
                 AND e.tag_set IS NOT DISTINCT FROM k.tag_set AND e.minute <= r.minute))::int AS wrong,
           count(*)::int AS rows
      FROM spend_running r JOIN spend_running_keys k ON k.id = r.key_id
     WHERE k.grain::text LIKE 'SHARD%'`;
  return row!;
}

it("a charge into a shard key another user's open transaction wrote waits for it, then adds to its totals", async () => {
  const [first, second] = sharing;
  // The key exists beforehand: a charge that creates it makes the next wait on its uncommitted insert anyway.
  await insertCharge(db, { userId: first, ...dalle, costMicros: 16_000n, at: new Date("2026-01-04T10:00:00Z") }, "UTC");
  let commit!: () => void;
  const committed = new Promise<void>((resolve) => (commit = resolve));
  let written!: () => void;
  const firstWritten = new Promise<void>((resolve) => (written = resolve));
  const open = db.$transaction(
    async (tx) => {
      await insertCharge(
        tx,
        { userId: first, ...dalle, costMicros: 16_000n, at: new Date("2026-01-05T10:00:30Z") },
        "UTC",
      );
      written();
      await committed;
    },
    { timeout: 60_000 },
  );
  await firstWritten;
  // The next day (so no daily rollup row is shared), same SHARD_MODEL key: its new row must start from the first
  // charge's totals.
  const later = insertCharge(
    db,
    { userId: second, ...dalle, costMicros: 20_000n, at: new Date("2026-01-06T10:07:00Z") },
    "UTC",
  );
  await eventually(
    async () => {
      const [row] = await db.$queryRaw<{ waiting: number }[]>`
        SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      return row!.waiting > 0;
    },
    30_000,
    "the second charge to wait for the first's shard key lock",
  );
  commit();
  await open;
  await later;

  const [latest] = await db.$queryRaw<{ cost: bigint; requests: bigint }[]>`
    SELECT r.cost_micros AS cost, r.requests FROM spend_running r JOIN spend_running_keys k ON k.id = r.key_id
     WHERE k.grain = 'SHARD_MODEL' AND k.shard = spend_shard(${first}::uuid) AND k.model = 'DALL_E_2'
     ORDER BY r.minute DESC LIMIT 1`;
  expect(latest).toEqual({ cost: 52_000n, requests: 3n });
  expect(await wrongShardRows()).toMatchObject({ wrong: 0 });
});

it("many users' concurrent charges, in and out of time order, keep every shard key's totals exact", async () => {
  const charges = Array.from({ length: 170 }, (_, i) => ({
    userId: users[i % users.length]!,
    ...(i % 3 === 0 ? sdxl : dalle),
    costMicros: BigInt(1_000 + i),
    // Minutes out of order, several charges per minute.
    at: new Date(Date.UTC(2026, 1, 1, 12, (i * 7) % 23, i % 60)),
    tags: [[], ["web"], ["web", "launch"]][i % 3],
  }));
  // Eight at a time (the pool's size), each its own transaction.
  const queue = [...charges];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) await insertCharge(db, next, "UTC");
    }),
  );

  const { wrong, rows } = await wrongShardRows();
  expect(rows).toBeGreaterThan(50);
  expect(wrong).toBe(0);
  const report = await verifyLedger(db);
  expect(report.aggregates).toMatchObject({ ok: true, shards: { ok: true, count: 0 } });
  expect(report.ok).toBe(true);
});
