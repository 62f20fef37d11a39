import { execFile } from "node:child_process";
import path from "node:path";
import { createPrismaClient, Prisma } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { sweepExpiredHolds } from "../../src/domain/ledger/sweeper";
import { verifyLedger } from "../../src/domain/ledger/verify-ledger";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { createFundedUser, openGeneration } from "../support/hold-fixtures";

const ROOT = path.resolve(__dirname, "../..");

/** `npm run cli -- verify-ledger` against `databaseUrl`: its exit code and its report. */
function runCli(databaseUrl: string): Promise<{ code: number; report: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["-r", "@swc-node/register", "src/cli/main.ts", "verify-ledger"],
      { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        try {
          resolve({ code, report: JSON.parse(stdout) as Record<string, unknown>, stderr });
        } catch {
          reject(new Error(`verify-ledger printed no report (exit ${code}): ${stderr}`));
        }
      },
    );
  });
}

let database: TestDatabase;
let db: Db;
let userId: string;
let generationId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
  // Credits, an open hold, a released one and a charged generation with its spend aggregate.
  userId = await createFundedUser(db, "2.00");
  generationId = await openGeneration(db, {
    userId,
    amountMicros: 40_000n,
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  await openGeneration(db, { userId, amountMicros: 40_000n, expiresAt: new Date(Date.now() - 1_000) });
  await sweepExpiredHolds(db);
  await charge(
    await openGeneration(db, { userId, amountMicros: 16_000n, expiresAt: new Date(Date.now() + 3_600_000) }),
  );
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** Settles a fixture's hold as the generation flow does: hold, balance, CHARGE, status and the day's aggregate. */
async function charge(id: string): Promise<void> {
  await db.$executeRaw`
    WITH hold AS (
      UPDATE holds SET status = 'SETTLED', resolved_at = now() WHERE generation_id = ${id}::uuid AND status = 'OPEN'
      RETURNING user_id, amount_micros),
    account AS (
      UPDATE users SET balance_micros = balance_micros - hold.amount_micros, reserved_micros = reserved_micros - hold.amount_micros
        FROM hold WHERE users.id = hold.user_id RETURNING users.id, users.balance_micros, hold.amount_micros),
    generation AS (
      UPDATE image_generations SET status = 'SUCCEEDED', cost_micros = account.amount_micros, completed_at = now()
        FROM account WHERE image_generations.id = ${id}::uuid),
    daily AS (
      INSERT INTO spend_daily (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT current_date, account.id, '00000000-0000-0000-0000-000000000000', 'DALL_E_2', 'SIZE_256X256', 'STANDARD',
             1, 1, account.amount_micros FROM account)
    INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id)
    SELECT gen_random_uuid(), account.id, 'CHARGE', -account.amount_micros, account.balance_micros, ${id}::uuid
      FROM account`;
}

/** Applies `corrupt`, returns the report, then applies `repair`. */
async function reportWith(corrupt: () => Promise<unknown>, repair: () => Promise<unknown>) {
  await corrupt();
  try {
    return await verifyLedger(db);
  } finally {
    await repair();
  }
}

describe("verifyLedger", () => {
  it("passes on a consistent database", async () => {
    const report = await verifyLedger(db);
    expect(report).toMatchObject({
      ok: true,
      mismatches: [],
      holds: { ok: true, count: 0 },
      charges: { ok: true, count: 0 },
      balanceChain: { ok: true, count: 0 },
      aggregates: { ok: true, count: 0, spendDailyTotal: "0.016000", ledgerNetTotal: "0.016000" },
    });
    expect(report.accountsChecked).toBeGreaterThanOrEqual(1);
  });

  it("finds a balance that is not the sum of the ledger", async () => {
    const report = await reportWith(
      () => db.$executeRaw`UPDATE users SET balance_micros = balance_micros + 1 WHERE id = ${userId}::uuid`,
      () => db.$executeRaw`UPDATE users SET balance_micros = balance_micros - 1 WHERE id = ${userId}::uuid`,
    );
    expect(report.ok).toBe(false);
    expect(report.mismatches).toEqual([
      expect.objectContaining({ userId, balance: "1.984001", ledgerSum: "1.984000", reserved: "0.040000" }),
    ]);
  });

  it("finds a reservation that is not the sum of the open holds", async () => {
    const report = await reportWith(
      () => db.$executeRaw`UPDATE users SET reserved_micros = reserved_micros + 5 WHERE id = ${userId}::uuid`,
      () => db.$executeRaw`UPDATE users SET reserved_micros = reserved_micros - 5 WHERE id = ${userId}::uuid`,
    );
    expect(report.mismatches).toEqual([
      expect.objectContaining({ userId, reserved: "0.040005", openHolds: "0.040000" }),
    ]);
    expect(report.balanceChain.ok).toBe(true);
  });

  it("finds an open hold on a generation that is no longer pending", async () => {
    const report = await reportWith(
      () => db.$executeRaw`UPDATE image_generations SET status = 'FAILED' WHERE id = ${generationId}::uuid`,
      () => db.$executeRaw`UPDATE image_generations SET status = 'PENDING' WHERE id = ${generationId}::uuid`,
    );
    expect(report).toMatchObject({ ok: false, mismatches: [] });
    expect(report.holds.rows).toEqual([{ generationId, holdStatus: "OPEN", generationStatus: "FAILED" }]);
  });

  it("finds a successful generation without its charge", async () => {
    const report = await reportWith(
      () => db.$executeRaw`UPDATE image_generations SET status = 'SUCCEEDED' WHERE id = ${generationId}::uuid`,
      () => db.$executeRaw`UPDATE image_generations SET status = 'PENDING' WHERE id = ${generationId}::uuid`,
    );
    expect(report.charges.rows).toEqual([
      { generationId, status: "SUCCEEDED", charges: 0, charge: null, cost: "0.000000" },
    ]);
  });

  it("finds a ledger entry whose balanceAfter breaks the chain", async () => {
    const report = await reportWith(
      () =>
        db.$executeRaw`UPDATE ledger_entries SET balance_after_micros = balance_after_micros + 7 WHERE user_id = ${userId}::uuid AND kind = 'CHARGE'`,
      () =>
        db.$executeRaw`UPDATE ledger_entries SET balance_after_micros = balance_after_micros - 7 WHERE user_id = ${userId}::uuid AND kind = 'CHARGE'`,
    );
    expect(report).toMatchObject({ ok: false, mismatches: [], balanceChain: { ok: false, rows: [{ userId }] } });
  });

  it("reports spend aggregates that disagree with the ledger in their own section", async () => {
    const report = await reportWith(
      () => db.$executeRaw`UPDATE spend_daily SET cost_micros = cost_micros + 3 WHERE user_id = ${userId}::uuid`,
      () => db.$executeRaw`UPDATE spend_daily SET cost_micros = cost_micros - 3 WHERE user_id = ${userId}::uuid`,
    );
    expect(report).toMatchObject({
      ok: false,
      mismatches: [],
      holds: { ok: true },
      charges: { ok: true },
      aggregates: { ok: false, count: 1, rows: [{ userId, spendDaily: "0.016003", ledgerNet: "0.016000" }] },
    });
  });
  /** Moves the cost of the latest running totals of the grain's first key matching `key` (on `k`) by `micros`. */
  const shiftLatestTotals = (grain: string, key: Prisma.Sql) => (micros: number) =>
    db.$executeRaw`UPDATE spend_running s SET cost_micros = s.cost_micros + ${micros}
      FROM (SELECT r.key_id, r.minute FROM spend_running r JOIN spend_running_keys k ON k.id = r.key_id
             WHERE ${key} AND k.grain = ${grain}::"SpendGrain" ORDER BY r.minute DESC LIMIT 1) l
     WHERE s.key_id = l.key_id AND s.minute = l.minute`;

  it.each(["FULL", "OWNER", "OWNER_MODEL", "OWNER_TAGS"])(
    "reports running totals of the %s grain that disagree with the ledger",
    async (grain) => {
      const shift = shiftLatestTotals(grain, Prisma.sql`k.user_key = ${userId}::uuid`);
      const report = await reportWith(
        () => shift(5),
        () => shift(-5),
      );
      expect(report).toMatchObject({
        ok: false,
        aggregates: {
          ok: false,
          count: 1,
          rows: [{ userId, spendDaily: "0.016000", ledgerNet: "0.016000", spendRunning: "0.016005" }],
        },
      });
    },
  );

  it.each(["SHARD_MODEL", "SHARD_TAGS"])(
    "reports running totals of the %s grain that disagree with the ledger of the shard's users",
    async (grain) => {
      const shift = shiftLatestTotals(grain, Prisma.sql`k.shard = spend_shard(${userId}::uuid)`);
      const [{ shard } = { shard: -1 }] = await db.$queryRaw<
        { shard: number }[]
      >`SELECT spend_shard(${userId}::uuid)::int AS shard`;
      const report = await reportWith(
        () => shift(7),
        () => shift(-7),
      );
      expect(report).toMatchObject({
        ok: false,
        aggregates: {
          ok: true,
          shards: { ok: false, count: 1, rows: [{ grain, shard, spendRunning: "0.016007", ledgerNet: "0.016000" }] },
        },
      });
    },
  );

  it("reports a grain that lost a user's keys", async () => {
    const stray = "5a5a5a5a-0000-4000-8000-000000000001";
    const report = await reportWith(
      () =>
        db.$executeRaw`UPDATE spend_running_keys SET user_key = ${stray}::uuid WHERE user_key = ${userId}::uuid AND grain = 'OWNER'`,
      () => db.$executeRaw`UPDATE spend_running_keys SET user_key = ${userId}::uuid WHERE user_key = ${stray}::uuid`,
    );
    expect(report.aggregates).toMatchObject({ ok: false, count: 2 });
    expect(report.aggregates.rows).toContainEqual({
      userId,
      spendDaily: "0.016000",
      ledgerNet: "0.016000",
      spendRunning: "0.000000",
    });
  });
});

describe("npm run cli -- verify-ledger", () => {
  it("exits 0 with an ok report on a consistent database, 1 with the account named when a balance is off", async () => {
    const good = await runCli(database.databaseUrl);
    expect(good).toMatchObject({ code: 0, report: { ok: true } });

    await db.$executeRaw`UPDATE users SET balance_micros = balance_micros + 1000 WHERE id = ${userId}::uuid`;
    try {
      const bad = await runCli(database.databaseUrl);
      expect(bad.code).toBe(1);
      expect(bad.report).toMatchObject({ ok: false, mismatchCount: 1, mismatches: [{ userId, balance: "1.985000" }] });
      expect(bad.stderr).toContain("MISMATCH");
    } finally {
      await db.$executeRaw`UPDATE users SET balance_micros = balance_micros - 1000 WHERE id = ${userId}::uuid`;
    }
  }, 120_000);
});
