import { readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { holdingAgent, probeWindow, runClosedLoop, startProbe, windowOf, type Exchanges } from "../lib/closed-loop";
import type { BenchContext } from "../lib/context";
import type { LatencySummary } from "../lib/load";
import { leastDisturbed } from "../lib/measure";
import { TARGET_LABELS, type InFlightMode } from "../lib/options";
import { MB, out, sleep } from "../lib/output";
import { memory, PhaseMeter, type PhaseUsage } from "../lib/proc-stats";
import { runCommand } from "../lib/processes";
import { imagegateRequest, portkeyRequest } from "../lib/requests";
import {
  createManyUsers,
  probeProcess,
  processProbeArgs,
  setFakeLatency,
  startFake,
  startImagegateProcess,
  startPortkey,
  type Fake,
  type ProcessProbeReport,
} from "../lib/targets";
import { exchangeFor, healthProbe, probeFor, sample, type InFlightTarget, type Sample } from "./in-flight-requests";
import { printInFlight, printRun } from "./in-flight-report";

// In-flight capacity: N generateImage calls held open at once by a fake provider that answers after 20 s, and a cheap
// request sent beside them on a fixed schedule (imagegate: `me { balance }`, and /healthz; Portkey, which has no
// account to ask about: its health endpoint). Two modes (--in-flight-modes). "steady": each of N clients sends its call
// again as soon as it is answered, the clients starting spread over the latency, so that N stay in flight and
// N / latency calls arrive every second, as in production. "hold": each client sends one call, at the same pace, and
// the fake answers after twice the latency: for nearly one latency no call arrives or ends, and that is measured: what
// holding N costs, alone. Each target runs as a fresh process per N and mode, so that its memory is not what an
// earlier run left.

/** Files a gateway needs besides its calls' sockets: database pool, idle keep-alive sockets, logs, segment files. */
const FILES_BESIDES_CALLS = 400;

type ProbeFigures = ReturnType<typeof probeWindow>;

/** Figures while all N are in flight (the measured window) and over the whole run. */
export interface InFlightRun {
  target: InFlightTarget;
  mode: InFlightMode;
  /** Calls asked for (--in-flight) and held (fewer when the open-files limit cannot fit them). */
  asked: number;
  calls: number;
  /** The least and most calls in flight during the window, as the client, the fake and (imagegate) the ledger saw. */
  inFlight: { client: [number, number]; fake: [number, number]; pendingGenerations?: [number, number] };
  /** Sockets the load generator held open to the target (least during the window). */
  clientSockets: number;
  window: {
    seconds: number;
    okPerSecond: number;
    failed: number;
    /** Latency of the calls answered in the window, in ms: the fake's latency plus the target's. */
    callMs: LatencySummary;
    rssMeanMB: number;
    rssMaxMB: number;
    probe: ProbeFigures;
    usage: PhaseUsage;
  };
  restRssMB: number;
  /** VmHWM over the whole run (ramp, window, drain). */
  peakRssMB: number;
  /** (mean RSS in the window - RSS at rest) / calls. */
  kbPerCall: number;
  idleProbe: ProbeFigures;
  /** imagegate's /healthz beside `me`: the same cheap request as Portkey's, no database. */
  health?: { idle: ProbeFigures; window: ProbeFigures };
  ok: number;
  failed: number;
  firstFailure: string | undefined;
  attempts: number;
  /** From inside the process (bench/lib/process-probe.cjs): at rest, and at the window's end (over the run so far). */
  inside: { rest: ProcessProbeReport; window: ProcessProbeReport };
}

export interface InFlightReport {
  latencyMs: number;
  measuredSeconds: number;
  users: number;
  openFilesLimit: number;
  runs: InFlightRun[];
}

export async function runInFlight(context: BenchContext): Promise<void> {
  const settings = context.options.inFlight;
  out(
    `\n[in flight] ${settings.counts.join(", ")} generateImage calls held open by a fake answering after ` +
      `${settings.latencyMs} ms (${settings.modes.join(" and ")}); ${settings.probesPerSecond} cheap requests/s beside them`,
  );
  const openFilesLimit = await raiseOpenFilesLimit(context.options.openFilesLimit);
  const counts = fittingCounts(settings.counts, openFilesLimit);
  const fake = await startFake(settings.latencyMs, "placeholder", "fake OpenAI (slow)");
  out(`  fake OpenAI at ${fake.origin} (pid ${fake.child.pid}, ${settings.latencyMs} ms latency)`);
  const users = await createManyUsers(context.databaseUrl, "inflight", settings.users + 1);
  const probeUser = users.pop()!;
  out(`  ${users.length} users share the calls (no rate limit, $10M each); one more asks \`me { balance }\``);
  const report: InFlightReport = {
    latencyMs: settings.latencyMs,
    measuredSeconds: settings.measuredSeconds,
    users: users.length,
    openFilesLimit,
    runs: [],
  };
  context.report.inFlight = report;
  const keys = users.map((u) => u.apiKey);
  for (const mode of settings.modes) {
    for (const [i, calls] of counts.entries()) {
      for (const target of settings.targets) {
        out(`  ${TARGET_LABELS[target]}, ${calls} calls in flight, ${mode}:`);
        const { result, attempts } = await leastDisturbed(
          () => runOnce({ context, fake, target, mode, calls, keys, probeKey: probeUser.apiKey }),
          (run) => run.window.usage,
        );
        result.attempts = attempts;
        result.asked = settings.counts[i]!;
        report.runs.push(result);
      }
    }
  }
  await fake.child.stop();
  printInFlight(report);
}

/** Raises this process's open-files limit (children inherit it); returns the limit in force. */
async function raiseOpenFilesLimit(wanted: number): Promise<number> {
  const current = () => Number(/^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? 0);
  if (current() < wanted) {
    try {
      await runCommand("prlimit", ["--pid", String(process.pid), `--nofile=${wanted}:${wanted}`]);
    } catch (error) {
      const reason = String(error).trim().split("\n").pop();
      out(`  could not raise the open-files limit to ${wanted} (${reason}; the hard limit needs CAP_SYS_RESOURCE)`);
    }
  }
  const ports = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().replace(/\s+/, "-");
  out(`  open files: at most ${current()} per process (inherited by what the bench starts); local ports ${ports}`);
  return current();
}

/**
 * A gateway holds two sockets per call (the client's and its own to the provider), plus its database pool, files and
 * idle keep-alive sockets: past that, accept() and connect() fail with EMFILE and a run would measure errors.
 */
function fittingCounts(asked: number[], openFilesLimit: number): number[] {
  const fitting = Math.floor((openFilesLimit - FILES_BESIDES_CALLS) / 2);
  const counts = asked.map((n) => Math.min(n, fitting));
  if (counts.some((n, i) => n !== asked[i])) {
    out(
      `  the open-files limit fits ${fitting} calls in a gateway (2 sockets each, ${FILES_BESIDES_CALLS} files kept for ` +
        `the rest): measuring ${counts.join(", ")} instead of ${asked.join(", ")}`,
    );
  }
  return counts;
}

interface RunArgs {
  context: BenchContext;
  fake: Fake;
  target: InFlightTarget;
  mode: InFlightMode;
  calls: number;
  keys: string[];
  probeKey: string;
}

/**
 * When the calls start, when the clients stop sending, the measured window (ms from the load's start), and the fake's
 * latency. Both modes send their calls over the latency at the same pace (N / latency per second: sending them faster
 * is a storm of new connections that overflows the listen backlog); "hold" then has the fake answer after twice the
 * latency, so that for nearly one latency nothing arrives or ends.
 */
function timeline(mode: InFlightMode, latencyMs: number, measuredSeconds: number) {
  if (mode === "steady") {
    const fromMs = latencyMs + 2_000;
    const toMs = fromMs + measuredSeconds * 1000;
    return { rampMs: latencyMs, stopAfterMs: toMs, once: false, fromMs, toMs, fakeLatencyMs: latencyMs };
  }
  const margin = Math.min(2_000, latencyMs / 10);
  const window = { fromMs: latencyMs + margin, toMs: 2 * latencyMs - margin };
  return { rampMs: latencyMs, stopAfterMs: 0, once: true, ...window, fakeLatencyMs: 2 * latencyMs };
}

async function runOnce(args: RunArgs): Promise<InFlightRun> {
  const { context, target, calls } = args;
  const settings = context.options.inFlight;
  const started = await startTarget(args);
  const probeAgent = holdingAgent(16);
  try {
    await sleep(1_000);
    const restRssMB = MB(memory(started.pid).rssBytes);
    const probes = [probeFor(target, started.url, args.probeKey, probeAgent)];
    if (target === "imagegate") probes.push(healthProbe(`${started.url}/healthz`, "ok", probeAgent));
    // Warms the probes' paths (and the JIT) before their idle figures: a fresh process's first requests are slow.
    for (let i = 0; i < 50; i++) for (const probe of probes) await probe();
    const idleSeconds = context.options.quick ? 2 : 5;
    const idle = probes.map((probe) => startProbe(settings.probesPerSecond, probe));
    await sleep(idleSeconds * 1000);
    const [idleProbe, idleHealth] = await Promise.all(
      idle.map(async (running) => probeWindow(await running.stop(), 0, idleSeconds * 1000)),
    );
    const rest = await probeProcess(started.pid, started.probeFile);
    const times = timeline(args.mode, settings.latencyMs, settings.measuredSeconds);
    await setFakeLatency(args.fake, times.fakeLatencyMs);
    const held = await holdCalls(args, started, probes, times);
    const inWindow = held.samples.filter((s) => s.tMs >= times.fromMs && s.tMs < times.toMs);
    const range = (pick: (s: Sample) => number | undefined): [number, number] => {
      const values = inWindow.map(pick).filter((v): v is number => v !== undefined);
      return values.length === 0 ? [NaN, NaN] : [Math.min(...values), Math.max(...values)];
    };
    const rssMeanMB = inWindow.reduce((sum, s) => sum + MB(s.rssBytes), 0) / Math.max(1, inWindow.length);
    const answered = windowOf(held.exchanges, times.fromMs, times.toMs);
    const run: InFlightRun = {
      target,
      mode: args.mode,
      asked: calls,
      calls,
      inFlight: {
        client: range((s) => s.client),
        fake: range((s) => s.fakeTimers),
        pendingGenerations: target === "imagegate" ? range((s) => s.pending) : undefined,
      },
      clientSockets: range((s) => s.sockets)[0],
      window: {
        seconds: (times.toMs - times.fromMs) / 1000,
        okPerSecond: answered.perSecond,
        failed: answered.failed,
        callMs: answered.latencyMs,
        rssMeanMB,
        rssMaxMB: range((s) => MB(s.rssBytes))[1],
        probe: held.probes[0]!,
        usage: held.windowUsage,
      },
      restRssMB,
      peakRssMB: MB(held.whole.processes.find((p) => p.pid === started.pid)?.peakRssBytes ?? 0),
      kbPerCall: ((rssMeanMB - restRssMB) * 1024) / calls,
      idleProbe: idleProbe!,
      health: idleHealth === undefined ? undefined : { idle: idleHealth, window: held.probes[1]! },
      ok: held.exchanges.ok.filter(Boolean).length,
      failed: held.exchanges.failures,
      firstFailure: held.exchanges.firstFailure,
      attempts: 1,
      inside: { rest, window: held.inside },
    };
    printRun(run);
    return run;
  } finally {
    probeAgent.destroy();
    await started.stop();
  }
}

interface Held {
  exchanges: Exchanges;
  samples: Sample[];
  probes: ProbeFigures[];
  inside: ProcessProbeReport;
  /** The target's and the fake's usage over the window, and over the whole run. */
  windowUsage: PhaseUsage;
  whole: PhaseUsage;
}

/** The load itself: N clients, the cheap request beside them, a sample a second, the window's usage. */
async function holdCalls(
  args: RunArgs,
  started: StartedTarget,
  probes: (() => Promise<boolean>)[],
  times: ReturnType<typeof timeline>,
): Promise<Held> {
  const { context, fake, target, calls } = args;
  const settings = context.options.inFlight;
  const agent = holdingAgent(calls);
  const ledger = target === "imagegate" ? new pg.Client({ connectionString: context.databaseUrl }) : undefined;
  await ledger?.connect();
  const meterOf = () =>
    new PhaseMeter(
      [
        { name: target, pid: started.pid },
        { name: "fake", pid: fake.child.pid },
      ],
      target === "imagegate" ? context.databaseName : undefined,
    );
  try {
    const spec =
      target === "imagegate"
        ? imagegateRequest(started.url, args.keys)
        : portkeyRequest(started.url, fake.apiKey, `${fake.origin}/v1`);
    const whole = meterOf();
    const windowMeter = meterOf();
    whole.start();
    const loop = runClosedLoop({
      slots: calls,
      rampMs: times.rampMs,
      stopAfterMs: times.stopAfterMs,
      once: times.once,
      exchange: exchangeFor(spec, agent, times.fakeLatencyMs + 120_000),
    });
    const loaded = probes.map((probe) => startProbe(settings.probesPerSecond, probe));
    const samples: Sample[] = [];
    const sampler = setInterval(() => {
      void sample(loop.elapsedMs(), loop.inFlight(), agent, fake, started.pid, ledger).then((s) => samples.push(s));
    }, 1_000);
    await sleep(times.fromMs);
    windowMeter.start();
    await sleep(times.toMs - times.fromMs);
    const windowUsage = windowMeter.stop();
    const probeSamples = await Promise.all(loaded.map((running) => running.stop()));
    // After the window's figures: the garbage collection the probe forces stalls the calls for a moment.
    const inside = await probeProcess(started.pid, started.probeFile);
    out(`    window over; waiting for the calls in flight (${loop.inFlight()}) to be answered`);
    const exchanges = await loop.done;
    clearInterval(sampler);
    return {
      exchanges,
      samples,
      probes: probeSamples.map((samples) => probeWindow(samples, times.fromMs, times.toMs)),
      inside,
      windowUsage,
      whole: whole.stop(),
    };
  } finally {
    agent.destroy();
    await ledger?.end();
  }
}

interface StartedTarget {
  pid: number;
  url: string;
  /** Where its process probe writes. */
  probeFile: string;
  stop(): Promise<void>;
}

async function startTarget(args: RunArgs): Promise<StartedTarget> {
  const { context, fake, target, calls } = args;
  const probeFile = path.join(context.workDir, `probe-${target}-${calls}-${args.mode}-${Date.now()}.jsonl`);
  const probe = processProbeArgs(probeFile);
  if (target === "portkey") {
    const portkey = await startPortkey(`Portkey (${calls} in flight)`, probe);
    return { pid: portkey.child.pid, url: portkey.url, probeFile, stop: () => portkey.child.stop() };
  }
  const imagegate = await startImagegateProcess({
    name: `imagegate-in-flight-${calls}`,
    databaseUrl: context.databaseUrl,
    fake,
    workDir: context.workDir,
    ...probe,
  });
  return { pid: imagegate.child.pid, url: imagegate.url, probeFile, stop: () => imagegate.child.stop() };
}
