import { concatResults, mergeResults, runLoad, type LoadResult, type RequestSpec } from "./load";
import type { QuietPolicy } from "./options";
import { fixed, MB, out, progress } from "./output";
import { combineUsage, machineBusyCores, PhaseMeter, type PhaseUsage } from "./proc-stats";

// One measured run of autocannon against a target, with the target's CPU and memory from /proc, after waiting for a
// quiet machine and measured again when other people's work disturbed it.

export interface Phase {
  target: string;
  connections: number;
  load: Omit<LoadResult, "samples">;
  usage: PhaseUsage;
  /** The target's CPU per successful request, in ms (its own process or processes). */
  cpuMsPerRequest: number;
  /** PostgreSQL's, for imagegate. */
  postgresCpuMsPerRequest: number | undefined;
  peakRssMB: number;
  /** Runs it took (a run disturbed by other processes is measured again). */
  attempts: number;
}

export interface Measured {
  name: string;
  pid: number;
}

let quietPolicy: QuietPolicy = { maxOtherCores: 0.25, retries: 2, quietWaitSeconds: 120 };

export function setQuietPolicy(policy: QuietPolicy): void {
  quietPolicy = policy;
}

export function currentQuietPolicy(): QuietPolicy {
  return quietPolicy;
}

/** Waits until the machine is nearly idle (our idle targets included), or the policy's wait is over. */
export async function waitForQuiet(): Promise<void> {
  const deadline = Date.now() + quietPolicy.quietWaitSeconds * 1000;
  let announced = false;
  for (;;) {
    const busy = await machineBusyCores(1_000);
    if (busy <= quietPolicy.maxOtherCores) {
      if (announced) out(`    quiet now (${fixed(busy)} cores busy)`);
      return;
    }
    if (Date.now() > deadline) {
      out(`    still ${fixed(busy)} cores busy after ${quietPolicy.quietWaitSeconds} s: measuring anyway`);
      return;
    }
    if (!announced) out(`    waiting for the machine to quiet down: ${fixed(busy)} cores busy with other work`);
    announced = true;
  }
}

/** Cores other processes used during a run. */
export const othersCores = (usage: PhaseUsage): number => usage.otherSeconds / usage.elapsedSeconds;
export const otherCores = (phase: Phase): number => othersCores(phase.usage);

/**
 * Runs `run` after waiting for a quiet machine, again (up to the policy's retries) while other processes disturbed it,
 * and keeps the least disturbed run; `usageOf` tells a run's usage. Any phase's runs go through here.
 */
export async function leastDisturbed<T>(
  run: () => Promise<T>,
  usageOf: (result: T) => PhaseUsage,
): Promise<{ result: T; attempts: number }> {
  let best: T | undefined;
  let attempts = 0;
  for (let attempt = 1; attempt <= 1 + quietPolicy.retries; attempt++) {
    await waitForQuiet();
    const result = await run();
    attempts = attempt;
    const usage = usageOf(result);
    if (best === undefined || othersCores(usage) < othersCores(usageOf(best))) best = result;
    if (othersCores(usage) <= quietPolicy.maxOtherCores) break;
    const who = usage.topOthers
      .map((p) => `${p.name} (pid ${p.pid}) ${fixed(p.cpuSeconds / usage.elapsedSeconds)}`)
      .join("; ");
    out(
      `      disturbed: other processes used ${fixed(othersCores(usage))} cores during the run; ` +
        (attempt <= quietPolicy.retries ? "measuring again" : "keeping the least disturbed run"),
    );
    if (who !== "") out(`      the busiest of them: ${who}`);
  }
  return { result: best!, attempts };
}

export interface MeasureArgs {
  label: string;
  target: string;
  specs: RequestSpec[];
  connections: number;
  durationSeconds: number;
  targetProcesses: Measured[];
  others: Measured[];
  databaseName?: string;
}

/** One measured autocannon run, after waiting for a quiet machine; again when others disturbed it. */
export async function measure(args: MeasureArgs): Promise<Phase> {
  const { result, attempts } = await leastDisturbed(
    () => measureOnce(args),
    (phase) => phase.usage,
  );
  result.attempts = attempts;
  return result;
}

async function measureOnce(args: MeasureArgs): Promise<Phase> {
  const meter = new PhaseMeter([...args.targetProcesses, ...args.others], args.databaseName);
  const perSpec = Math.max(1, Math.round(args.connections / args.specs.length));
  meter.start();
  const results = await Promise.all(
    args.specs.map((spec, i) =>
      runLoad(spec, {
        connections: perSpec,
        durationSeconds: args.durationSeconds,
        onProgress: i === 0 ? progress(args.label, args.durationSeconds) : undefined,
      }),
    ),
  );
  const usage = meter.stop();
  const merged = results.length === 1 ? results[0]! : mergeResults(results);
  const { samples, ...load } = merged;
  const targetPids = new Set(args.targetProcesses.map((p) => p.pid));
  const targetUsage = usage.processes.filter((p) => targetPids.has(p.pid));
  const cpu = targetUsage.reduce((sum, p) => sum + p.cpuSeconds, 0);
  const phase: Phase = {
    target: args.target,
    connections: load.connections,
    load,
    usage,
    cpuMsPerRequest: (cpu * 1000) / Math.max(1, load.ok),
    postgresCpuMsPerRequest:
      usage.postgresCpuSeconds === undefined ? undefined : (usage.postgresCpuSeconds * 1000) / Math.max(1, load.ok),
    peakRssMB: Math.max(...targetUsage.map((p) => MB(p.peakRssBytes))),
    attempts: 1,
  };
  samplesOf.set(phase, samples);
  printPhase(phase);
  return phase;
}

/** Each measured phase's raw latencies, kept out of the report (and its JSON) but pooled by combinePhases. */
const samplesOf = new WeakMap<Phase, Float64Array>();

/** A target's slices at one concurrency (--rounds) as one phase: times and counts added, latencies pooled. */
export function combinePhases(phases: Phase[]): Phase {
  if (phases.length === 1) return phases[0]!;
  const { samples, ...load } = concatResults(
    phases.map((phase) => ({ ...phase.load, samples: samplesOf.get(phase) ?? new Float64Array() })),
  );
  const perRequest = (pick: (phase: Phase) => number) =>
    phases.reduce((sum, phase) => sum + pick(phase) * phase.load.ok, 0) / Math.max(1, load.ok);
  const postgres = phases.every((phase) => phase.postgresCpuMsPerRequest !== undefined)
    ? perRequest((phase) => phase.postgresCpuMsPerRequest!)
    : undefined;
  const combined: Phase = {
    target: phases[0]!.target,
    connections: phases[0]!.connections,
    load,
    usage: combineUsage(phases.map((phase) => phase.usage)),
    cpuMsPerRequest: perRequest((phase) => phase.cpuMsPerRequest),
    postgresCpuMsPerRequest: postgres,
    peakRssMB: Math.max(...phases.map((phase) => phase.peakRssMB)),
    attempts: phases.reduce((sum, phase) => sum + phase.attempts, 0),
  };
  samplesOf.set(combined, samples);
  return combined;
}

/** The cores each process used during a run, the load generator's, others' and the machine's. */
export function coresLine(usage: PhaseUsage): string {
  const cores = (cpuSeconds: number) => fixed(cpuSeconds / usage.elapsedSeconds, 2);
  const parts = usage.processes.map((p) => `${p.name} ${cores(p.cpuSeconds)} (kernel ${cores(p.systemCpuSeconds)})`);
  if (usage.postgresCpuSeconds !== undefined) parts.push(`postgres ${cores(usage.postgresCpuSeconds)}`);
  parts.push(
    `load generator ${cores(usage.loadGeneratorCpuSeconds)}`,
    `(interrupts ${cores(usage.interruptSeconds)})`,
    `others ${cores(usage.otherSeconds)}`,
    `machine ${cores(usage.machineBusySeconds)}`,
    `stolen by the host ${cores(usage.stealSeconds)}`,
  );
  return `cores used: ${parts.join(", ")}`;
}

export function printPhase(phase: Phase): void {
  const { load } = phase;
  const failed = load.non2xx + load.errors + load.mismatches;
  out(
    `    ${phase.target.padEnd(14)} c=${String(phase.connections).padEnd(3)} ${fixed(load.requestsPerSecond, 0).padStart(6)} req/s` +
      `  p50 ${fixed(load.latencyMs.p50)} p90 ${fixed(load.latencyMs.p90)} p99 ${fixed(load.latencyMs.p99)} ms` +
      `  ok ${load.ok} failed ${failed}` +
      `  cpu ${fixed(phase.cpuMsPerRequest, 3)} ms/req` +
      (phase.postgresCpuMsPerRequest === undefined ? "" : ` (+ postgres ${fixed(phase.postgresCpuMsPerRequest, 3)})`) +
      `  peak RSS ${fixed(phase.peakRssMB, 0)} MB`,
  );
  out(`      ${coresLine(phase.usage)}`);
  if (failed > 0) {
    out(
      `      FAILURES: non-2xx ${load.non2xx}, errors ${load.errors} (timeouts ${load.timeouts}), bad bodies ${load.mismatches}; first: ${load.firstFailure ?? "?"}`,
    );
  }
}

/** A run's figures as table cells: req/s, the latency percentiles asked for, failed, CPU, PostgreSQL's, RSS, others'. */
export function phaseCells(p: Phase, percentiles: ("p50" | "p90" | "p99")[]): string[] {
  return [
    fixed(p.load.requestsPerSecond, 0),
    ...percentiles.map((percentile) => fixed(p.load.latencyMs[percentile])),
    String(p.load.non2xx + p.load.errors + p.load.mismatches),
    fixed(p.cpuMsPerRequest, 3),
    p.postgresCpuMsPerRequest === undefined ? "" : fixed(p.postgresCpuMsPerRequest, 3),
    fixed(p.peakRssMB, 0),
    fixed(otherCores(p)),
  ];
}
