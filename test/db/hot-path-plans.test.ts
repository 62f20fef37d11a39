import { createPrismaClient } from "../../src/db/client";
import type { Db, Tx } from "../../src/domain/db";
import { openGenerations } from "../../src/domain/generation/open-generation";
import { settleGenerations } from "../../src/domain/generation/settle-generation";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openArgs, settleArgs } from "../support/generation-batches";
import { createFundedUser } from "../support/hold-fixtures";

// The open and the settle run generic plans that each connection caches at its first call: on a new database, when
// every table is a page or two. Whatever was cheapest then must not become a scan that grows with the tables (see
// migration hot_path_plans_by_key). One connection, so that every call below reuses the plans of the first.

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl, { maxConnections: 1 });
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** Opens and settles a batch of `size` generations of `userId`. */
async function openAndSettle(db: Db | Tx, userId: string, size: number): Promise<void> {
  const batch = Array.from({ length: size }, () => openArgs(userId));
  const rows = await openGenerations(db, batch);
  expect(rows.map((row) => row.outcome)).toEqual(batch.map(() => "OPENED"));
  const settled = await settleGenerations(
    db,
    batch.map((args) => settleArgs(args.id, 16_000n)),
    "UTC",
  );
  expect(settled.map((generation) => generation?.status)).toEqual(batch.map(() => "SUCCEEDED"));
}

it("finds holds by generation and users by id, with the plans cached on nearly empty tables", async () => {
  const userId = await createFundedUser(db, "100.00");
  await openAndSettle(db, userId, 1); // the plans are made here, on tables of a row or two
  await openAndSettle(db, userId, 3);
  for (let i = 0; i < 30; i++) await createFundedUser(db, "1.00");

  const reads = await db.$transaction(async (tx) => {
    await openAndSettle(tx, userId, 1);
    await openAndSettle(tx, userId, 4);
    return tx.$queryRaw<{ relname: string; seq_scan: bigint; status_index_scans: bigint }[]>`
      SELECT t.relname, t.seq_scan,
             pg_stat_get_xact_numscans('holds_status_expires_at_idx'::regclass) AS status_index_scans
        FROM pg_stat_xact_user_tables t
       WHERE t.relname IN ('holds', 'users', 'image_generations')
       ORDER BY t.relname`;
  });

  // Every OPEN entry of the status index, settled holds' included until VACUUM, was read by each settle.
  expect(reads[0]!.status_index_scans).toBe(0n);
  expect(reads.map((row) => [row.relname, row.seq_scan])).toEqual([
    ["holds", 0n],
    ["image_generations", 0n],
    ["users", 0n],
  ]);
});

it("keeps JIT and sequential scans off in both functions, whatever the session's settings", async () => {
  // A sequential scan still taken when disabled (budgets, which has no index for the open's OR) is costed at 10^10,
  // past every JIT threshold: without jit = off each call compiled its plan (0.8 s, bench/RESULTS.md session 6).
  const functions = await db.$queryRaw<{ proname: string; proconfig: string[] }[]>`
    SELECT proname, proconfig FROM pg_proc
     WHERE proname IN ('imagegate_open_generations', 'imagegate_settle_generations')
     ORDER BY proname`;
  expect(functions.map((f) => f.proname)).toEqual(["imagegate_open_generations", "imagegate_settle_generations"]);
  for (const { proconfig } of functions) {
    expect(proconfig).toEqual(expect.arrayContaining(["enable_seqscan=off", "jit=off"]));
  }
});
