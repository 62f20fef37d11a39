// The database's share of one generateImage at concurrency 1: a round trip, the open (hold) and the settle (charge)
// of one generation, each through the functions the server calls, one at a time on one connection; and the settle
// again on a connection that does not wait for its WAL flush, to show what the flush costs. Each iteration runs all
// four in turn, so that the host's drift falls on every figure alike.
//
//   createdb -h 127.0.0.1 -U postgres imagegate_floor
//   export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imagegate_floor
//   npm run migrate && node -r @swc-node/register bench/hot-path-floor.ts [--runs 2000]
//   dropdb -h 127.0.0.1 -U postgres imagegate_floor
import { randomUUID } from "node:crypto";
import { createUserWithKey } from "../src/cli/create-user";
import { createPrismaClient } from "../src/db/client";
import { queryPrepared, type Db } from "../src/domain/db";
import { openGenerations } from "../src/domain/generation/open-generation";
import { settleGenerations } from "../src/domain/generation/settle-generation";
import { openArgs, settleArgs } from "../test/support/generation-batches";
import { summarizeLatency } from "./lib/load";

const WARM_UP_RUNS = 200;
/** A round trip as the open and the settle make theirs: a named prepared statement on the same pool. */
const ROUND_TRIP = { name: "imagegate_floor_round_trip", text: "SELECT 1 AS one" };

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

/** The same database, its sessions committing without waiting for the WAL flush. */
function withoutFlushWait(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set("options", "-c synchronous_commit=off");
  return url.toString();
}

async function timed(step: () => Promise<unknown>): Promise<number> {
  const startedNs = process.hrtime.bigint();
  await step();
  return Number(process.hrtime.bigint() - startedNs) / 1e6;
}

async function openAndSettle(db: Db, userId: string): Promise<[number, number]> {
  const args = openArgs(userId);
  const open = await timed(async () => {
    const [row] = await openGenerations(db, [args]);
    if (row?.outcome !== "OPENED") throw new Error(`the open answered ${row?.outcome}`);
  });
  const settle = await timed(async () => {
    const [generation] = await settleGenerations(db, [settleArgs(args.id, 16_000n)], "UTC");
    if (generation?.status !== "SUCCEEDED") throw new Error("the settle charged nothing");
  });
  return [open, settle];
}

export interface HotPathFloor {
  runs: number;
  /** p50 and mean of each call, ms. */
  calls: Record<"roundTrip" | "open" | "settle" | "settleWithoutFlushWait", { p50: number; mean: number }>;
}

const CALL_LABELS: Record<keyof HotPathFloor["calls"], string> = {
  roundTrip: "round trip (SELECT 1, prepared)",
  open: "open (hold)",
  settle: "settle (charge), its flush waited",
  settleWithoutFlushWait: "settle, its flush not waited",
};

/** Runs the calls on `databaseUrl` (migrated; two users are added to it). */
export async function measureHotPathFloor(databaseUrl: string, runs: number): Promise<HotPathFloor> {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, not ${runs}`);
  const db = createPrismaClient(databaseUrl, { maxConnections: 1 });
  const unflushed = createPrismaClient(withoutFlushWait(databaseUrl), { maxConnections: 1 });
  try {
    const [setting] = await unflushed.$queryRaw<{ value: string }[]>`
      SELECT current_setting('synchronous_commit') AS value`;
    if (setting?.value !== "off") throw new Error("the second connection still waits for its flush");
    const credits = String(runs * 2);
    const email = (label: string) => `floor-${label}-${randomUUID()}@example.com`;
    const { userId } = await createUserWithKey(db, { email: email("a"), role: "MEMBER", credits });
    const { userId: otherUserId } = await createUserWithKey(db, { email: email("b"), role: "MEMBER", credits });

    const samples: Record<keyof HotPathFloor["calls"], number[]> = {
      roundTrip: [],
      open: [],
      settle: [],
      settleWithoutFlushWait: [],
    };
    for (let run = -WARM_UP_RUNS; run < runs; run++) {
      const roundTrip = await timed(() => queryPrepared(db, ROUND_TRIP, []));
      const [open, settle] = await openAndSettle(db, userId);
      const [, unflushedSettle] = await openAndSettle(unflushed, otherUserId);
      if (run < 0) continue;
      samples.roundTrip.push(roundTrip);
      samples.open.push(open);
      samples.settle.push(settle);
      samples.settleWithoutFlushWait.push(unflushedSettle);
    }
    const calls = Object.fromEntries(
      Object.entries(samples).map(([name, values]) => {
        const { p50, mean } = summarizeLatency(Float64Array.from(values));
        return [name, { p50, mean }];
      }),
    ) as HotPathFloor["calls"];
    return { runs, calls };
  } finally {
    await Promise.all([db.$disconnect(), unflushed.$disconnect()]);
  }
}

export function formatHotPathFloor(floor: HotPathFloor): string {
  const roundTrip = floor.calls.roundTrip.p50;
  const lines = [
    `${floor.runs} runs after ${WARM_UP_RUNS} uncounted, one connection each, one call at a time`,
    "| call | p50 ms | mean ms | p50 / round trip |",
    "| --- | ---: | ---: | ---: |",
    ...Object.entries(floor.calls).map(([name, { p50, mean }]) => {
      const label = CALL_LABELS[name as keyof HotPathFloor["calls"]];
      return `| ${label} | ${p50.toFixed(3)} | ${mean.toFixed(3)} | ${(p50 / roundTrip).toFixed(1)} |`;
    }),
    `open + settle, p50s added: ${(floor.calls.open.p50 + floor.calls.settle.p50).toFixed(3)} ms, ` +
      "on every generateImage's path before any of imagegate's own work",
  ];
  return lines.join("\n");
}

if (require.main === module) {
  const databaseUrl = process.env.DATABASE_URL;
  const runs = Number(arg("runs") ?? 2000);
  (databaseUrl === undefined
    ? Promise.reject(new Error("set DATABASE_URL to a migrated scratch database"))
    : measureHotPathFloor(databaseUrl, runs)
  ).then(
    (floor) => process.stdout.write(`${formatHotPathFloor(floor)}\n`),
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exit(1);
    },
  );
}
