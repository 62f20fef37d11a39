import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { DomainError } from "../../src/domain/errors";
import { planSpendExport } from "../../src/domain/reports/spend-export";
import { spendReport } from "../../src/domain/reports/spend-report";
import { createTestDatabase, type TestDatabase } from "../support/database";

// A report returns at most maxRows rows (BAD_USER_INPUT on groupBy past that); the export has no limit and reads
// its rows through a cursor, a batch at a time.

let database: TestDatabase;
let db: Db;
const range = { from: new Date("2024-05-01T00:00:00Z"), to: new Date("2024-05-02T00:00:00Z"), timeZone: "UTC" };

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
  await db.$executeRaw`
    INSERT INTO spend_daily (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
    SELECT '2024-05-01', gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'DALL_E_2', 'SIZE_256X256',
           'STANDARD', 1, 1, 1000 + g
      FROM generate_series(1, 25) g`;
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

it("refuses a report of more than maxRows rows, naming groupBy", async () => {
  await expect(spendReport(db, { ...range, groupBy: ["USER"] }, { maxRows: 25 })).resolves.toMatchObject({
    requests: 25,
  });
  const refused = await spendReport(db, { ...range, groupBy: ["USER"] }, { maxRows: 24 }).catch((error) => error);
  expect(refused).toBeInstanceOf(DomainError);
  expect(refused).toMatchObject({ code: "BAD_USER_INPUT", details: { field: "groupBy" } });
});

it("exports every row, a batch at a time, in the report's order", async () => {
  const batches: number[] = [];
  const costs: bigint[] = [];
  await planSpendExport({ ...range, groupBy: ["USER"] }, 10).run(db, async (rows) => {
    batches.push(rows.length);
    costs.push(...rows.map((row) => row.costMicros));
  });
  expect(batches).toEqual([10, 10, 5]);
  expect(costs).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(1025 - i)));
});

it("validates before running anything", () => {
  expect(() => planSpendExport({ ...range, to: range.from, groupBy: [] })).toThrow(DomainError);
});
