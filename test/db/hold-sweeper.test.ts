import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import type { Logger } from "../../src/domain/logger";
import { startHoldSweeper, sweepExpiredHolds, type ReleasedHolds } from "../../src/domain/ledger/sweeper";
import { verifyLedger } from "../../src/domain/ledger/verify-ledger";
import { createTestDatabase, SERVER_URL_ENV, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { accountMicros, createFundedUser, holdOf, openGeneration } from "../support/hold-fixtures";
import { startTcpProxy } from "../support/tcp-proxy";

const PAST = () => new Date(Date.now() - 60_000);
const FUTURE = () => new Date(Date.now() + 3_600_000);

function recordingLogger() {
  const lines: { level: string; message: string; details: Record<string, unknown> }[] = [];
  const record = (level: string) => (details: object, message: string) =>
    lines.push({ level, message, details: details as Record<string, unknown> });
  const logger: Logger = { info: record("info"), warn: record("warn"), error: record("error") };
  return { logger, lines };
}

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
});
afterAll(async () => {
  const report = await verifyLedger(db);
  await db.$disconnect();
  await database.drop();
  expect(report).toMatchObject({ ok: true });
});

describe("sweepExpiredHolds", () => {
  it("releases expired holds only: reserved goes back, the balance is untouched, generations end INTERRUPTED", async () => {
    const userId = await createFundedUser(db, "1.00");
    const expired = [
      await openGeneration(db, { userId, amountMicros: 40_000n, expiresAt: PAST() }),
      await openGeneration(db, { userId, amountMicros: 80_000n, expiresAt: PAST() }),
    ];
    const live = await openGeneration(db, { userId, amountMicros: 20_000n, expiresAt: FUTURE() });
    expect(await accountMicros(db, userId)).toEqual({
      balanceMicros: 1_000_000n,
      reservedMicros: 140_000n,
      openHolds: 3,
    });

    const result = await sweepExpiredHolds(db, { limit: 100 });

    expect(result.released).toBe(2);
    expect(result.releasedMicros).toBe(120_000n);
    expect(result.generationIds.sort()).toEqual([...expired].sort());
    expect(await accountMicros(db, userId)).toEqual({
      balanceMicros: 1_000_000n,
      reservedMicros: 20_000n,
      openHolds: 1,
    });
    for (const id of expired) {
      expect(await holdOf(db, id)).toEqual({ holdStatus: "RELEASED", status: "FAILED", errorCode: "INTERRUPTED" });
    }
    expect(await holdOf(db, live)).toEqual({ holdStatus: "OPEN", status: "PENDING", errorCode: null });
    expect((await verifyLedger(db)).ok).toBe(true);
    // Releasing is once: a second sweep finds nothing.
    expect((await sweepExpiredHolds(db)).released).toBe(0);
  });

  it("takes at most `limit` holds per statement", async () => {
    const userId = await createFundedUser(db, "1.00");
    for (let i = 0; i < 5; i++) await openGeneration(db, { userId, amountMicros: 1_000n, expiresAt: PAST() });
    expect((await sweepExpiredHolds(db, { limit: 3 })).released).toBe(3);
    expect((await sweepExpiredHolds(db, { limit: 3 })).released).toBe(2);
    expect(await accountMicros(db, userId)).toMatchObject({ reservedMicros: 0n, openHolds: 0 });
  });

  it("four concurrent sweepers over the same 400 expired holds (20 users) release each exactly once", async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => createFundedUser(db, "10.00")));
    const ids: string[] = [];
    for (let i = 0; i < 400; i++) {
      ids.push(await openGeneration(db, { userId: users[i % 20]!, amountMicros: 16_000n, expiresAt: PAST() }));
    }
    // Separate pools, so the sweeps really run side by side on separate connections.
    const clients = Array.from({ length: 4 }, () => createPrismaClient(database.databaseUrl));
    const sweepUntilEmpty = async (client: Db) => {
      const results: ReleasedHolds[] = [];
      for (;;) {
        const result = await sweepExpiredHolds(client, { limit: 25 });
        if (result.released === 0) return results;
        results.push(result);
      }
    };
    try {
      const perSweeper = await Promise.all(clients.map(sweepUntilEmpty));
      const released = perSweeper.flat().flatMap((result) => result.generationIds);
      expect(released).toHaveLength(400);
      expect(new Set(released).size).toBe(400);
      expect(new Set(released)).toEqual(new Set(ids));
    } finally {
      await Promise.all(clients.map((client) => client.$disconnect()));
    }
    for (const userId of users) {
      expect(await accountMicros(db, userId)).toEqual({ balanceMicros: 10_000_000n, reservedMicros: 0n, openHolds: 0 });
    }
    const failed = await db.imageGeneration.count({
      where: { id: { in: ids }, status: "FAILED", errorCode: "INTERRUPTED" },
    });
    expect(failed).toBe(400);
    expect((await verifyLedger(db)).ok).toBe(true);
  });
});

describe("startHoldSweeper", () => {
  it("releases expired holds on its own, and logs what it released", async () => {
    const { logger, lines } = recordingLogger();
    const userId = await createFundedUser(db, "1.00");
    const id = await openGeneration(db, { userId, amountMicros: 50_000n, expiresAt: PAST() });
    const sweeper = startHoldSweeper({ db, intervalMs: 50, logger });
    try {
      await eventually(async () => (await holdOf(db, id)).holdStatus === "RELEASED", 5_000, "the sweeper's tick");
    } finally {
      await sweeper.stop();
    }
    const line = lines.find((entry) => entry.message === "released expired holds");
    expect(line?.details).toMatchObject({ released: 1, releasedAmount: "0.050000", generationIds: [id] });
  });

  it("retries a scheduled release at once, without waiting for the hold to expire", async () => {
    const { logger } = recordingLogger();
    const userId = await createFundedUser(db, "1.00");
    const id = await openGeneration(db, { userId, amountMicros: 50_000n, expiresAt: FUTURE() });
    const sweeper = startHoldSweeper({ db, intervalMs: 3_600_000, logger });
    try {
      sweeper.scheduleRelease(id, "SERVICE_UNAVAILABLE");
      expect(sweeper.pendingReleases()).toBe(1);
      await sweeper.runOnce();
      expect(sweeper.pendingReleases()).toBe(0);
    } finally {
      await sweeper.stop();
    }
    expect(await holdOf(db, id)).toEqual({
      holdStatus: "RELEASED",
      status: "FAILED",
      errorCode: "SERVICE_UNAVAILABLE",
    });
    expect(await accountMicros(db, userId)).toEqual({ balanceMicros: 1_000_000n, reservedMicros: 0n, openHolds: 0 });
  });

  it("survives a database that is away (logs, keeps ticking) and releases what it owes once it is back", async () => {
    const { logger, lines } = recordingLogger();
    const userId = await createFundedUser(db, "1.00");
    const scheduled = await openGeneration(db, { userId, amountMicros: 30_000n, expiresAt: FUTURE() });
    const expired = await openGeneration(db, { userId, amountMicros: 20_000n, expiresAt: PAST() });
    const proxy = await startTcpProxy(process.env[SERVER_URL_ENV]!);
    const proxied = createPrismaClient(proxy.proxiedUrl(database.databaseUrl));
    await proxy.cut();
    const sweeper = startHoldSweeper({ db: proxied, intervalMs: 50, logger });
    try {
      sweeper.scheduleRelease(scheduled, "SERVICE_UNAVAILABLE");
      await eventually(
        async () => lines.filter((line) => line.message.startsWith("hold sweep failed")).length >= 3,
        5_000,
        "three failed ticks",
      );
      expect(sweeper.pendingReleases()).toBe(1);
      expect(await accountMicros(db, userId)).toMatchObject({ reservedMicros: 50_000n, openHolds: 2 });

      await proxy.restore();
      await eventually(async () => (await accountMicros(db, userId)).openHolds === 0, 5_000, "the releases");
    } finally {
      await sweeper.stop();
      await proxied.$disconnect();
      await proxy.close();
    }
    expect(await holdOf(db, scheduled)).toMatchObject({ status: "FAILED", errorCode: "SERVICE_UNAVAILABLE" });
    expect(await holdOf(db, expired)).toMatchObject({ status: "FAILED", errorCode: "INTERRUPTED" });
    expect(await accountMicros(db, userId)).toEqual({ balanceMicros: 1_000_000n, reservedMicros: 0n, openHolds: 0 });
    expect(lines.find((line) => line.level === "warn")?.details).toMatchObject({ pendingReleases: 1 });
  });
});
