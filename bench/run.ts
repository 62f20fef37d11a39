// npm run bench: issue 4's benchmark and issue 15's memory and long requests, in one run on this machine. A fake
// OpenAI (0 ms by default), imagegate compiled and on a fresh database as its own process, and the references behind
// the same fake: Portkey's open-source gateway, a bare Node reverse proxy, and the fake called directly. The phases
// (bench/phases/) run in turn: throughput and latency at c=1 and c=32, database round trips, two processes on one
// database, calls held open by a slow provider, real-sized images, hostile answers and queries, and optionally a CPU
// profile and the finance queries. See bench/RESULTS.md for the figures and `npm run bench -- --help` for flags.
import "reflect-metadata";
import { writeFile } from "node:fs/promises";
import type { BenchContext, Report } from "./lib/context";
import { parseOptions, type Options } from "./lib/options";
import { out, seconds } from "./lib/output";
import { stopAll } from "./lib/processes";
import { printFinanceSkipped, runFinance } from "./phases/finance";
import { runHostile } from "./phases/hostile";
import { runInFlight } from "./phases/in-flight";
import { runPayloads } from "./phases/payloads";
import { runProfile } from "./phases/profile";
import { runRoundTrips } from "./phases/round-trips";
import { setUp } from "./phases/setup";
import { runThroughput } from "./phases/throughput";
import { runTwoProcesses } from "./phases/two-processes";

/** The phases after setup, in order; each runs when selected (and, for some, when its own setting allows). */
const PHASES: [string, (context: BenchContext) => boolean, (context: BenchContext) => Promise<void>][] = [
  ["throughput", () => true, runThroughput],
  ["round-trips", (c) => c.options.roundTripCalls > 0, runRoundTrips],
  ["two-processes", () => true, runTwoProcesses],
  ["profile", () => true, runProfile],
  ["in-flight", (c) => c.options.inFlight.counts.length > 0, runInFlight],
  ["payloads", () => true, runPayloads],
  ["hostile", () => true, runHostile],
];

async function runBench(options: Options, cleanups: (() => Promise<void>)[]): Promise<Report> {
  const context = await setUp(options, cleanups);
  for (const [name, enabled, run] of PHASES) {
    if (options.phases.has(name as never) && enabled(context)) await run(context);
  }
  if (options.phases.has("finance")) await runFinance(options);
  else printFinanceSkipped();
  return context.report;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const startedMs = Date.now();
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    await stopAll();
    for (const step of cleanups.reverse()) await step().catch((error: unknown) => out(`cleanup: ${String(error)}`));
    cleanups.length = 0;
  };
  let interrupted = false;
  process.once("SIGINT", () => {
    interrupted = true;
    out("\ninterrupted: stopping everything");
    void cleanup().then(() => process.exit(130));
  });

  try {
    const report = await runBench(options, cleanups);
    if (options.json !== undefined) {
      await writeFile(options.json, JSON.stringify(report, jsonValue, 2));
      out(`\nfigures written to ${options.json}`);
    }
    out(`\ndone in ${seconds(startedMs)}`);
  } finally {
    if (!interrupted) await cleanup();
  }
}

/** bigints as strings, sets as arrays: what JSON cannot hold as they are. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return String(value);
  if (value instanceof Set) return [...(value as Set<unknown>)];
  return value;
}

main().catch(async (error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stopAll();
  process.exit(1);
});
