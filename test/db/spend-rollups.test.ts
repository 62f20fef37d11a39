import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { createTestDatabase, type TestDatabase } from "../support/database";

// spend_monthly and spend_daily_shards are functions of spend_daily, kept by a trigger: whatever is written to
// spend_daily (the settle and refund upserts, inserts, key changes, deletes, TRUNCATE), they sum to the same.

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const USERS = ["6f1c1e1a-0000-4000-8000-00000000000a", "6f1c1e1a-0000-4000-8000-0000000000f3"];
const NO_TEAM = "00000000-0000-0000-0000-000000000000";

async function upsert(day: string, user: string, model: string, size: string, cost: bigint, requests = 1) {
  await db.$executeRaw`
    INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
    VALUES (${day}::date, ${user}::uuid, ${NO_TEAM}::uuid, ${model}::"ImageModel", ${size}::"ImageSize", 'STANDARD',
            ${requests}, ${requests * 2}, ${cost})
    ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
      SET requests = s.requests + EXCLUDED.requests, images = s.images + EXCLUDED.images,
          cost_micros = s.cost_micros + EXCLUDED.cost_micros`;
}

/** Each rollup's rows next to the same grouping of spend_daily; equal when the trigger did its job. */
async function rollupsAndSource() {
  const totals = "sum(requests)::int8 AS requests, sum(images)::int8 AS images, sum(cost_micros)::int8 AS cost";
  const [monthly, monthlyOfDaily, shards, shardsOfDaily] = await Promise.all([
    db.$queryRawUnsafe(`SELECT month::text AS k, user_id::text AS u, team_key::text AS t, model::text AS m, requests::int8,
                          images::int8, cost_micros AS cost FROM spend_monthly WHERE requests <> 0 OR cost_micros <> 0
                        ORDER BY 1, 2, 3, 4`),
    db.$queryRawUnsafe(`SELECT date_trunc('month', day)::date::text AS k, user_id::text AS u, team_key::text AS t,
                          model::text AS m, ${totals} FROM spend_daily GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`),
    db.$queryRawUnsafe(`SELECT day::text AS k, shard AS s, model::text AS m, requests::int8, images::int8,
                          cost_micros AS cost FROM spend_daily_shards WHERE requests <> 0 OR cost_micros <> 0
                        ORDER BY 1, 2, 3`),
    db.$queryRawUnsafe(`SELECT day::text AS k, spend_shard(user_id) AS s, model::text AS m, ${totals}
                          FROM spend_daily GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
  ]);
  return { monthly, monthlyOfDaily, shards, shardsOfDaily };
}

async function expectInStep() {
  const { monthly, monthlyOfDaily, shards, shardsOfDaily } = await rollupsAndSource();
  expect(monthly).toEqual(monthlyOfDaily);
  expect(shards).toEqual(shardsOfDaily);
}

it("follows upserts, refunds, key changes and deletes", async () => {
  await upsert("2024-01-31", USERS[0]!, "DALL_E_2", "SIZE_256X256", 16_000n);
  await upsert("2024-01-31", USERS[0]!, "DALL_E_2", "SIZE_256X256", 16_000n);
  await upsert("2024-01-31", USERS[0]!, "DALL_E_2", "SIZE_512X512", 18_000n);
  await upsert("2024-02-01", USERS[1]!, "DALL_E_3", "SIZE_1024X1024", 40_000n);
  await upsert("2024-02-02", USERS[1]!, "DALL_E_3", "SIZE_1024X1024", -40_000n, 0); // a refund, a day later
  await expectInStep();
  const [month] = await db.$queryRaw<{ requests: number; cost: bigint }[]>`
    SELECT requests, cost_micros AS cost FROM spend_monthly WHERE month = '2024-01-01' AND user_id = ${USERS[0]}::uuid`;
  expect(month).toEqual({ requests: 3, cost: 50_000n });

  await db.$executeRaw`UPDATE spend_daily SET day = '2024-03-01', user_id = ${USERS[1]}::uuid WHERE size = 'SIZE_512X512'`;
  await db.$executeRaw`UPDATE spend_daily SET cost_micros = cost_micros + 1 WHERE day = '2024-02-01'`;
  await expectInStep();
  await db.$executeRaw`DELETE FROM spend_daily WHERE day = '2024-01-31'`;
  await expectInStep();
});

it("shards users 0 to 15, and empties the rollups with TRUNCATE", async () => {
  const shards = await db.$queryRaw<
    { shard: number }[]
  >`SELECT DISTINCT spend_shard(user_id) AS shard FROM spend_daily`;
  expect(shards.every(({ shard }) => shard >= 0 && shard <= 15)).toBe(true);
  await db.$executeRaw`TRUNCATE spend_daily`;
  expect(await db.$queryRaw`SELECT count(*)::int AS n FROM spend_monthly`).toEqual([{ n: 0 }]);
  expect(await db.$queryRaw`SELECT count(*)::int AS n FROM spend_daily_shards`).toEqual([{ n: 0 }]);
});
