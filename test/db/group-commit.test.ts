import { randomUUID } from "node:crypto";
import { createPrismaClient } from "../../src/db/client";
import { resolveRequest } from "../../src/domain/generation/resolve-request";
import type { Db, Tx } from "../../src/domain/db";
import { openedOrError, openGenerations, type OpenGenerationArgs } from "../../src/domain/generation/open-generation";
import { settleGenerations } from "../../src/domain/generation/settle-generation";
import { releaseGenerations } from "../../src/domain/ledger/sweeper";
import { grantCredits } from "../../src/domain/ledger/grants";
import { verifyLedger } from "../../src/domain/ledger/verify-ledger";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openArgs, settleArgs } from "../support/generation-batches";
import { accountMicros, createFundedUser } from "../support/hold-fixtures";

// The generation flow's two writes as batches (migrations group_commit, set_based_settle, set_based_open): many
// requests, one statement, one commit, and every item its own outcome, exactly as if each had been written alone.

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

/** A user with 5.00 of credit in spend shard `shard`, which is the low four bits of the id: its last hex digit. */
async function userInShard(shard: number): Promise<string> {
  const id = `${randomUUID().slice(0, -1)}${shard.toString(16)}`;
  await db.user.create({ data: { id, email: `shard${shard}-${id}@example.com` } });
  await grantCredits(db, { actorId: null, userId: id, amountMicros: 5_000_000n, reason: "test credits" });
  return id;
}

it("opens a batch item by item: credit checked in order, a key used twice in one batch is a duplicate", async () => {
  const rich = await createFundedUser(db, "1.00");
  const poor = await createFundedUser(db, "0.040"); // two DALL-E 2 images of 0.016, not three
  const batch = [
    openArgs(poor),
    openArgs(rich, { idempotencyKey: "k1" }),
    openArgs(poor, { prompt: 'quotes " and commas, {braces} and \\ backslashes' }),
    openArgs(rich, { idempotencyKey: "k1" }),
    openArgs(poor),
    openArgs(randomUUID()),
  ];

  const rows = await openGenerations(db, batch);

  expect(rows.map((row) => row.outcome)).toEqual([
    "OPENED",
    "OPENED",
    "OPENED",
    "DUPLICATE",
    "INSUFFICIENT_CREDITS",
    "NO_USER",
  ]);
  expect(openedOrError(batch[2]!, rows[2]!)).toMatchObject({ id: batch[2]!.id, heldMicros: 16_000n });
  expect(() => openedOrError(batch[4]!, rows[4]!)).toThrow("Not enough credit");
  const stored = await db.imageGeneration.findUniqueOrThrow({ where: { id: batch[2]!.id } });
  expect(stored.prompt).toBe(batch[2]!.request.prompt);
  expect(await accountMicros(db, poor)).toEqual({ balanceMicros: 40_000n, reservedMicros: 32_000n, openHolds: 2 });
  expect(await accountMicros(db, rich)).toMatchObject({ reservedMicros: 16_000n, openHolds: 1 });
});

it("settles a batch item by item: each charged once, a released hold left alone, the ledger exact", async () => {
  const userId = await createFundedUser(db, "1.00");
  const batch = [openArgs(userId), openArgs(userId), openArgs(userId)];
  expect((await openGenerations(db, batch)).map((row) => row.outcome)).toEqual(["OPENED", "OPENED", "OPENED"]);
  await releaseGenerations(db, [{ generationId: batch[1]!.id, errorCode: "INTERRUPTED" }], { now: new Date() });

  const settled = await settleGenerations(
    db,
    [settleArgs(batch[0]!.id, 16_000n), settleArgs(batch[1]!.id, 16_000n), settleArgs(batch[2]!.id, 10_000n)],
    "UTC",
  );

  expect(settled.map((generation) => generation?.status ?? null)).toEqual(["SUCCEEDED", null, "SUCCEEDED"]);
  expect(settled[2]).toMatchObject({ id: batch[2]!.id, costMicros: 10_000n, images: [{ index: 0 }] });
  expect(await accountMicros(db, userId)).toEqual({
    balanceMicros: 1_000_000n - 26_000n,
    reservedMicros: 0n,
    openHolds: 0,
  });
  const images = await db.generatedImage.findMany({ where: { generationId: { in: batch.map((args) => args.id) } } });
  expect(images.map((image) => image.generationId).sort()).toEqual([batch[0]!.id, batch[2]!.id].sort());
  expect(images[0]!.revisedPrompt).toBe('a "quoted", {braced} prompt');
  // One update of the account for the batch, yet each charge's balance is the one after it, in the batch's order.
  const ledger = await db.ledgerEntry.findMany({ where: { userId, kind: "CHARGE" } });
  expect(ledger.map((entry) => [entry.amountMicros, entry.balanceAfterMicros]).sort()).toEqual([
    [-10_000n, 974_000n],
    [-16_000n, 984_000n],
  ]);
  const daily = await db.spendDaily.findMany({ where: { userId } });
  expect(daily.map((row) => [row.requests, row.images, row.costMicros])).toEqual([[2, 2, 26_000n]]);
  expect((await verifyLedger(db)).ok).toBe(true);
});

it("settles concurrent batches whose users share rollup rows in opposite orders without a deadlock", async () => {
  // spend_daily_shards rows (day, shard, model) are shared by the users of a shard: batch X charges shard s1 then
  // s2, batch Y s2 then s1. Taken in item order, the two would deadlock (PostgreSQL aborts one after a second).
  const [s1a, s1b, s2a, s2b] = [
    await userInShard(3),
    await userInShard(3),
    await userInShard(11),
    await userInShard(11),
  ];
  const shards = await db.$queryRaw<Array<{ shard: number }>>`
    SELECT spend_shard(id) AS shard FROM unnest(${[s1a, s1b, s2a, s2b]}::uuid[]) WITH ORDINALITY AS u(id, i) ORDER BY i`;
  expect(shards.map((row) => row.shard)).toEqual([3, 3, 11, 11]);

  for (let round = 0; round < 10; round++) {
    const opened = [openArgs(s1a), openArgs(s2a), openArgs(s2b), openArgs(s1b)];
    expect((await openGenerations(db, opened)).every((row) => row.outcome === "OPENED")).toBe(true);
    const [x, y] = await Promise.all([
      settleGenerations(db, [settleArgs(opened[0]!.id, 16_000n), settleArgs(opened[1]!.id, 16_000n)], "UTC"),
      settleGenerations(db, [settleArgs(opened[2]!.id, 16_000n), settleArgs(opened[3]!.id, 16_000n)], "UTC"),
    ]);
    expect([...x, ...y].every((generation) => generation?.status === "SUCCEEDED")).toBe(true);
  }
  expect((await verifyLedger(db)).ok).toBe(true);
});

it("commits an open without waiting for its WAL flush, and only the open: settles still wait", async () => {
  const userId = await createFundedUser(db, "1.00");
  const batch = [openArgs(userId), openArgs(userId)];
  const synchronousCommit = async (tx: Tx) =>
    (await tx.$queryRaw<Array<{ setting: string }>>`SELECT current_setting('synchronous_commit') AS setting`)[0]!
      .setting;

  const afterOpen = await db.$transaction(async (tx) => {
    const before = await synchronousCommit(tx);
    await openGenerations(tx, batch);
    return [before, await synchronousCommit(tx)];
  });
  const afterSettle = await db.$transaction(async (tx) => {
    await settleGenerations(tx, [settleArgs(batch[0]!.id, 16_000n)], "UTC");
    return synchronousCommit(tx);
  });

  expect(afterOpen).toEqual(["on", "off"]);
  expect(afterSettle).toBe("on");
  expect(await accountMicros(db, userId)).toMatchObject({ balanceMicros: 984_000n, openHolds: 1 });
});

it("opens a batch without budgets or idempotency keys in one statement, as the item loop would", async () => {
  const rich = await createFundedUser(db, "1.00");
  const exact = await createFundedUser(db, "0.032"); // exactly two DALL-E 2 images of 0.016
  const gpt = openArgs(rich);
  gpt.request = resolveRequest({ size: "SIZE_1024X1024", prompt: "a kite" }, "GPT_IMAGE_1_MINI");
  const batch = [openArgs(exact), gpt, openArgs(randomUUID()), openArgs(exact), openArgs(rich)];

  const { rows, perItemCalls } = await openCountingItemCalls(batch);

  expect(perItemCalls).toBe(0);
  expect(rows.map((row) => row.outcome)).toEqual(["OPENED", "OPENED", "NO_USER", "OPENED", "OPENED"]);
  expect(openedOrError(batch[0]!, rows[0]!)).toMatchObject({ heldMicros: 16_000n, teamId: null, budgeted: false });
  expect(openedOrError(gpt, rows[1]!)).toMatchObject({
    tokenRates: { textInputPerMillionMicros: expect.any(BigInt), imageOutputPerMillionMicros: expect.any(BigInt) },
  });
  expect(rows[2]).toMatchObject({ holdMicros: 16_000n, teamId: null });
  expect(await accountMicros(db, exact)).toEqual({ balanceMicros: 32_000n, reservedMicros: 32_000n, openHolds: 2 });
  const generations = await db.imageGeneration.findMany({ where: { id: { in: batch.map((args) => args.id) } } });
  expect(generations).toHaveLength(4);
  expect(generations.every((generation) => generation.status === "PENDING")).toBe(true);
  expect((await verifyLedger(db)).ok).toBe(true);
});

it("opens a batch item by item when the items do not all fit, each decided in order", async () => {
  const poor = await createFundedUser(db, "0.040");
  const batch = [openArgs(poor), openArgs(poor), openArgs(poor)];

  const { rows, perItemCalls } = await openCountingItemCalls(batch);

  expect(perItemCalls).toBe(3);
  expect(rows.map((row) => row.outcome)).toEqual(["OPENED", "OPENED", "INSUFFICIENT_CREDITS"]);
  expect(await accountMicros(db, poor)).toEqual({ balanceMicros: 40_000n, reservedMicros: 32_000n, openHolds: 2 });
});

/** Opens a batch, counting the calls of the per-item function (PostgreSQL's statistics of the transaction). */
async function openCountingItemCalls(batch: OpenGenerationArgs[]) {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SET LOCAL track_functions = 'pl'`;
    const rows = await openGenerations(tx, batch);
    const [calls] = await tx.$queryRaw<Array<{ calls: bigint }>>`
      SELECT COALESCE(SUM(calls), 0)::bigint AS calls FROM pg_stat_xact_user_functions
       WHERE funcname = 'imagegate_open_generation'`;
    return { rows, perItemCalls: Number(calls!.calls) };
  });
}
