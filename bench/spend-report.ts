// Times spendReport on a seeded scratch database (bench/seed-spend.sql): each groupBy of issue 4 over the whole
// year, over a month and over all time, 20 runs each after a warm-up, p50 and p99; with --explain, the plans.
//
//   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imagegate_bench \
//     node -r @swc-node/register bench/spend-report.ts [--from 2025-01-01] [--days 365] [--runs 20] [--time-zone UTC]
//     [--ranges year,month,"month+partial","rolling 30 d","all time"] [--explain]
import { createPrismaClient, Prisma } from "../src/db/client";
import type { SpendDimension } from "../src/domain/reports/spend-dimension";
import { spendReportSql } from "../src/domain/reports/spend-query";
import { prepareSpendReport, spendReport } from "../src/domain/reports/spend-report";

const GROUPINGS: SpendDimension[][] = [
  ["USER"],
  ["MODEL"],
  ["DAY"],
  ["USER", "MODEL"],
  ["TEAM", "MODEL"],
  ["API_KEY"],
  ["TAG"],
  ["DAY", "MODEL"],
  [],
];

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? undefined : process.argv[index + 1];
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl === undefined) throw new Error("set DATABASE_URL to the seeded scratch database");
  const db = createPrismaClient(databaseUrl, { maxConnections: 1 });
  const start = new Date(`${arg("from") ?? "2025-01-01"}T00:00:00Z`);
  const timeZone = arg("time-zone") ?? "UTC";
  const runs = Number(arg("runs") ?? 20);
  const days = Number(arg("days") ?? 365);
  const only = arg("ranges")?.split(",");
  const ranges = {
    year: { from: start, to: new Date(Date.UTC(start.getUTCFullYear() + 1, start.getUTCMonth(), start.getUTCDate())) },
    month: { from: start, to: new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate())) },
    "month+partial": {
      from: new Date(start.getTime() + 9.5 * 3600_000),
      to: new Date(start.getTime() + 30.25 * 86_400_000),
    },
    // A dashboard's "last 30 days" from now: starts and ends inside hours (the seed's last day at 17:23).
    "rolling 30 d": {
      from: new Date(start.getTime() + (days - 31) * 86_400_000 + 17.39 * 3600_000),
      to: new Date(start.getTime() + (days - 1) * 86_400_000 + 17.39 * 3600_000),
    },
    // Every date the API accepts: a report reads the spend in its range, whatever the range's length.
    "all time": { from: new Date("1970-01-01T00:00:00Z"), to: new Date("9999-12-31T00:00:00Z") },
  };
  try {
    for (const [label, range] of Object.entries(ranges).filter(([name]) => only === undefined || only.includes(name))) {
      for (const groupBy of GROUPINGS) {
        const input = { ...range, groupBy, timeZone };
        if (process.argv.includes("--explain")) await explain(db, input);
        const timesMs: number[] = [];
        let rows = 0;
        for (let run = -2; run < runs; run++) {
          const startedNs = process.hrtime.bigint();
          const report = await spendReport(db, input);
          if (run >= 0) timesMs.push(Number(process.hrtime.bigint() - startedNs) / 1e6);
          rows = report.rows.length;
        }
        timesMs.sort((a, b) => a - b);
        const name = groupBy.length === 0 ? "(total)" : groupBy.join("+");
        process.stdout.write(
          `${label.padEnd(14)} ${name.padEnd(12)} rows ${String(rows).padStart(6)}  ` +
            `p50 ${percentile(timesMs, 0.5).toFixed(1).padStart(7)} ms  p99 ${percentile(timesMs, 0.99).toFixed(1).padStart(7)} ms\n`,
        );
      }
    }
  } finally {
    await db.$disconnect();
  }
}

async function explain(db: ReturnType<typeof createPrismaClient>, input: Parameters<typeof spendReport>[1]) {
  const { query } = prepareSpendReport(input);
  const plan = await db.$queryRaw<{ "QUERY PLAN": string }[]>(
    Prisma.sql`EXPLAIN (ANALYZE, BUFFERS) ${spendReportSql(query)}`,
  );
  process.stdout.write(
    `--- ${input.groupBy.join("+") || "(total)"}\n${plan.map((row) => row["QUERY PLAN"]).join("\n")}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
