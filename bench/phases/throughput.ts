import { formatHotPathFloor, measureHotPathFloor } from "../hot-path-floor";
import type { BenchContext, Report } from "../lib/context";
import { runLoad } from "../lib/load";
import { combinePhases, currentQuietPolicy, measure, phaseCells, printPhase, type Phase } from "../lib/measure";
import { TARGET_LABELS, type TargetName } from "../lib/options";
import { fixed, out, table } from "../lib/output";

// Issue 4's figures: each target (direct, bare, Portkey, imagegate) at c=1 and c=32 in alternating slices, the hold
// and the charge timed alone (the floor under c=1), and the ratios against the targets.

export async function runThroughput(context: BenchContext): Promise<void> {
  const { options, report, specs, targetProcess, databaseName, databaseUrl } = context;
  const sliceSeconds = options.durationSeconds / options.rounds;
  out(
    `\n[load] ${options.warmupSeconds} s warm-up of each target at c=32; then at each of c=${options.concurrency.join(", ")}, ` +
      `${options.rounds} round(s) of ${fixed(sliceSeconds, 1)} s per target, the targets in turn`,
  );
  if (options.warmupSeconds > 0) {
    for (const name of options.targets) {
      out(`  ${TARGET_LABELS[name]}: warming up`);
      await runLoad(specs[name], { connections: 32, durationSeconds: options.warmupSeconds });
    }
  }
  for (const connections of options.concurrency) {
    const slices = new Map<TargetName, Phase[]>(options.targets.map((name) => [name, []]));
    for (let round = 1; round <= options.rounds; round++) {
      for (const name of options.targets) {
        const phase = await measure({
          label: `${TARGET_LABELS[name]} c=${connections}` + (options.rounds > 1 ? ` round ${round}` : ""),
          target: TARGET_LABELS[name],
          specs: [specs[name]],
          connections,
          durationSeconds: sliceSeconds,
          targetProcesses: [targetProcess[name]],
          others: name === "direct" ? [] : [targetProcess.direct],
          databaseName: name === "imagegate" ? databaseName : undefined,
        });
        slices.get(name)!.push(phase);
      }
    }
    if (options.rounds > 1) out(`  c=${connections}, the ${options.rounds} rounds combined:`);
    for (const name of options.targets) {
      const phase = combinePhases(slices.get(name)!);
      if (options.rounds > 1) printPhase(phase);
      report.phases.push(phase);
    }
    const imagegateRounds = slices.get("imagegate");
    const portkeyRounds = slices.get("portkey");
    if (imagegateRounds !== undefined && portkeyRounds !== undefined && options.rounds > 1) {
      const byRound = imagegateRounds.map(
        (phase, i) => phase.load.requestsPerSecond / portkeyRounds[i]!.load.requestsPerSecond,
      );
      report.roundRatios[`throughputC${connections}_imagegate_over_portkey`] = byRound;
      out(`  imagegate / Portkey throughput by round at c=${connections}: ${byRound.map((r) => fixed(r)).join(", ")}`);
    }
  }
  if (options.floorRuns > 0 && options.targets.includes("imagegate") && options.concurrency.includes(1)) {
    out(`\n[floor] the open and the settle of one generation, ${options.floorRuns} times each, one call at a time`);
    report.floor = await measureHotPathFloor(databaseUrl, options.floorRuns);
    out(formatHotPathFloor(report.floor));
  }
  computeRatios(report);
  printSummary(report);
}

function computeRatios(report: Report): void {
  const find = (target: TargetName, c: number) =>
    report.phases.find((p) => p.target === TARGET_LABELS[target] && p.connections === c);
  const at32 = (t: TargetName) => find(t, 32)?.load.requestsPerSecond;
  const p50 = (t: TargetName) => find(t, 1)?.load.latencyMs.p50;
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a / b;
  const minus = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a - b;
  const entries: [string, number | undefined][] = [
    ["throughputC32_imagegate_over_portkey", ratio(at32("imagegate"), at32("portkey"))],
    ["throughputC32_imagegate_over_bare", ratio(at32("imagegate"), at32("bare"))],
    ["throughputC32_portkey_over_bare", ratio(at32("portkey"), at32("bare"))],
    ["addedLatencyC1Ms_imagegate", minus(p50("imagegate"), p50("direct"))],
    ["addedLatencyC1Ms_portkey", minus(p50("portkey"), p50("direct"))],
    ["addedLatencyC1Ms_bare", minus(p50("bare"), p50("direct"))],
    [
      "cpuPerRequestC32_imagegate_over_portkey",
      ratio(find("imagegate", 32)?.cpuMsPerRequest, find("portkey", 32)?.cpuMsPerRequest),
    ],
  ];
  for (const [key, value] of entries) if (value !== undefined) report.ratios[key] = value;
}

function printSummary(report: Report): void {
  out("\n[summary] single process, one target at a time");
  out(
    table(
      [
        "target",
        "c",
        "req/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "failed",
        "CPU ms/req",
        "+ PG ms/req",
        "peak RSS MB",
        "others' cores",
      ],
      report.phases.map((p) => [p.target, String(p.connections), ...phaseCells(p, ["p50", "p90", "p99"])]),
    ),
  );
  out(
    "  others' cores: CPU used meanwhile by processes outside the benchmark (disturbed above " +
      `${currentQuietPolicy().maxOtherCores})`,
  );
  const r = report.ratios;
  const rows: string[][] = [];
  const add = (what: string, value: number | undefined, target: string, pass: ((v: number) => boolean) | undefined) => {
    if (value === undefined) return;
    rows.push([
      what,
      fixed(value, what.includes("ms") ? 3 : 2),
      target,
      pass === undefined ? "" : pass(value) ? "met" : "MISSED",
    ]);
  };
  add("throughput c=32 imagegate / Portkey", r.throughputC32_imagegate_over_portkey, ">= 1.0", (v) => v >= 1);
  const byRound = report.roundRatios.throughputC32_imagegate_over_portkey;
  if (byRound !== undefined) {
    add("  the same, the lowest of the rounds", Math.min(...byRound), ">= 1.0", (v) => v >= 1);
    add("  the same, the highest of the rounds", Math.max(...byRound), "", undefined);
  }
  add("throughput c=32 imagegate / bare proxy", r.throughputC32_imagegate_over_bare, "", undefined);
  add("throughput c=32 Portkey / bare proxy", r.throughputC32_portkey_over_bare, "", undefined);
  add("added latency c=1, ms: imagegate p50 - direct p50", r.addedLatencyC1Ms_imagegate, "< 1 ms", (v) => v < 1);
  add("added latency c=1, ms: Portkey p50 - direct p50", r.addedLatencyC1Ms_portkey, "", undefined);
  add("added latency c=1, ms: bare p50 - direct p50", r.addedLatencyC1Ms_bare, "", undefined);
  const floor = report.floor?.calls;
  add("  of imagegate's, ms: its open + settle p50 alone", floor && floor.open.p50 + floor.settle.p50, "", undefined);
  add("CPU per request c=32 imagegate / Portkey", r.cpuPerRequestC32_imagegate_over_portkey, "", undefined);
  const imagegate32 = report.phases.find((p) => p.target === TARGET_LABELS.imagegate && p.connections === 32);
  add("peak RSS of imagegate at c=32, MB", imagegate32?.peakRssMB, "< 200 MB", (v) => v < 200);
  if (rows.length > 0) {
    out("");
    out(table(["ratio", "value", "target", ""], rows));
  }
}
