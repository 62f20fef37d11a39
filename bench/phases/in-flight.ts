import { readFileSync } from "node:fs";
import type http from "node:http";
import pg from "pg";
import {
  agentSockets,
  holdingAgent,
  probeWindow,
  runClosedLoop,
  send,
  startProbe,
  windowOf,
  type Outcome,
} from "../lib/closed-loop";
import type { BenchContext } from "../lib/context";
import type { LatencySummary, RequestSpec } from "../lib/load";
import { coresLine, leastDisturbed, othersCores } from "../lib/measure";
import { fixed, MB, out, sleep, table, verdict } from "../lib/output";
import { memory, PhaseMeter, type PhaseUsage } from "../lib/proc-stats";
import { runCommand } from "../lib/processes";
import { imagegateRequest, portkeyRequest } from "../lib/requests";
import { createManyUsers, startFake, startImagegateProcess, startPortkey, type Fake } from "../lib/targets";

// In-flight capacity: N generateImage calls held open at once by a fake provider that answers after 20 s, and a cheap
// request sent beside them on a fixed schedule (imagegate: `me { balance }`; Portkey, which has no account to ask
// about: its health endpoint). Each of N clients sends its call again as soon as the last one is answered, and the
// clients start spread over the latency, so that N stay in flight and calls arrive at N / latency per second, as they
// would in production. Each target runs as a fresh process per N: its memory at N is not what an earlier N left.

type InFlightTarget = "imagegate" | "portkey";
/** Files a gateway needs besides its calls' sockets: database pool, idle keep-alive sockets, logs, segment files. */
const FILES_BESIDES_CALLS = 400;
const LABELS: Record<InFlightTarget, string> = { imagegate: "imagegate", portkey: "Portkey" };

/** Figures while all N are in flight (the measured window) and over the whole run. */
export interface InFlightRun {
  target: InFlightTarget;
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
    probe: { sent: number; failed: number; latencyMs: LatencySummary };
    usage: PhaseUsage;
  };
  restRssMB: number;
  /** VmHWM over the whole run (ramp, window, drain). */
  peakRssMB: number;
  /** (mean RSS in the window - RSS at rest) / calls. */
  kbPerCall: number;
  idleProbe: { sent: number; failed: number; latencyMs: LatencySummary };
  ok: number;
  failed: number;
  firstFailure: string | undefined;
  attempts: number;
}

export interface InFlightReport {
  latencyMs: number;
  measuredSeconds: number;
  users: number;
  openFilesLimit: number;
  runs: InFlightRun[];
}

export async function runInFlight(context: BenchContext): Promise<void> {
  const { options } = context;
  const settings = options.inFlight;
  out(
    `\n[in flight] ${settings.counts.join(", ")} generateImage calls held open by a fake answering after ` +
      `${settings.latencyMs} ms; ${settings.probesPerSecond} cheap requests/s beside them; ${settings.measuredSeconds} s measured once all are in flight`,
  );
  const openFilesLimit = await raiseOpenFilesLimit(options.openFilesLimit);
  const ports = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().replace(/\s+/, "-");
  out(`  open files: at most ${openFilesLimit} per process (inherited by what the bench starts); local ports ${ports}`);
  // A gateway holds two sockets per call (the client's and its own to the provider), plus its database pool, files
  // and idle keep-alive sockets: past that, accept() and connect() fail with EMFILE and the run measures errors.
  const fitting = Math.floor((openFilesLimit - FILES_BESIDES_CALLS) / 2);
  const counts = settings.counts.map((n) => Math.min(n, fitting));
  if (counts.some((n, i) => n !== settings.counts[i])) {
    out(
      `  the open-files limit fits ${fitting} calls in a gateway (2 sockets each, ${FILES_BESIDES_CALLS} files kept for ` +
        `the rest): measuring ${counts.join(", ")} instead of ${settings.counts.join(", ")}`,
    );
  }
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
  for (const [i, calls] of counts.entries()) {
    for (const target of settings.targets) {
      out(`  ${LABELS[target]}, ${calls} calls in flight:`);
      const { result, attempts } = await leastDisturbed(
        () => runOnce({ context, fake, target, calls, keys, probeKey: probeUser.apiKey }),
        (run) => run.window.usage,
      );
      result.attempts = attempts;
      result.asked = settings.counts[i]!;
      report.runs.push(result);
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
      out(
        `  could not raise the open-files limit to ${wanted} (${reason}; raising the hard limit needs CAP_SYS_RESOURCE)`,
      );
    }
  }
  return current();
}

interface RunArgs {
  context: BenchContext;
  fake: Fake;
  target: InFlightTarget;
  calls: number;
  keys: string[];
  probeKey: string;
}

async function runOnce(args: RunArgs): Promise<InFlightRun> {
  const { context, fake, target, calls } = args;
  const settings = context.options.inFlight;
  const started = await startTarget(args);
  const agent = holdingAgent(calls);
  const probeAgent = holdingAgent(16);
  const ledger = target === "imagegate" ? new pg.Client({ connectionString: context.databaseUrl }) : undefined;
  await ledger?.connect();
  try {
    await sleep(1_000);
    const restRssMB = MB(memory(started.pid).rssBytes);
    const probe = probeFor(target, started.url, args.probeKey, probeAgent);
    // Warms the probe's path (and the JIT) before its idle figures: a fresh process's first requests are slow.
    for (let i = 0; i < 50; i++) await probe();
    const idleSeconds = context.options.quick ? 2 : 5;
    const idle = startProbe(settings.probesPerSecond, probe);
    await sleep(idleSeconds * 1000);
    const idleProbe = probeWindow(await idle.stop(), 0, idleSeconds * 1000);

    const spec = specFor(args, started.url);
    const windowFromMs = settings.latencyMs + 2_000;
    const windowToMs = windowFromMs + settings.measuredSeconds * 1000;
    const meter = new PhaseMeter(
      [
        { name: target, pid: started.pid },
        { name: "fake", pid: fake.child.pid },
      ],
      target === "imagegate" ? context.databaseName : undefined,
    );
    const loop = runClosedLoop({
      slots: calls,
      rampMs: settings.latencyMs,
      stopAfterMs: windowToMs,
      exchange: exchangeFor(spec, agent, settings.latencyMs + 120_000),
    });
    const loaded = startProbe(settings.probesPerSecond, probe);
    const samples: Sample[] = [];
    let windowUsage: PhaseUsage | undefined;
    let windowMeter: PhaseMeter | undefined;
    meter.start();
    const sampler = setInterval(() => {
      void sample(loop.elapsedMs(), loop.inFlight(), agent, fake, started.pid, ledger).then((s) => samples.push(s));
      const now = loop.elapsedMs();
      if (windowMeter === undefined && now >= windowFromMs) {
        windowMeter = new PhaseMeter(
          [
            { name: target, pid: started.pid },
            { name: "fake", pid: fake.child.pid },
          ],
          target === "imagegate" ? context.databaseName : undefined,
        );
        windowMeter.start();
      } else if (windowMeter !== undefined && windowUsage === undefined && now >= windowToMs) {
        windowUsage = windowMeter.stop();
      }
    }, 1_000);
    await sleep(windowToMs);
    const probeSamples = await loaded.stop();
    out(`    window over; waiting for the calls in flight (${loop.inFlight()}) to be answered`);
    const exchanges = await loop.done;
    clearInterval(sampler);
    const whole = meter.stop();
    windowUsage ??= windowMeter?.stop() ?? whole;

    const inWindow = samples.filter((s) => s.tMs >= windowFromMs && s.tMs < windowToMs);
    const range = (pick: (s: Sample) => number | undefined): [number, number] => {
      const values = inWindow.map(pick).filter((v): v is number => v !== undefined);
      return values.length === 0 ? [NaN, NaN] : [Math.min(...values), Math.max(...values)];
    };
    const rssMeanMB = inWindow.reduce((sum, s) => sum + MB(s.rssBytes), 0) / Math.max(1, inWindow.length);
    const calledWindow = windowOf(exchanges, windowFromMs, windowToMs);
    const peakRssMB = MB(whole.processes.find((p) => p.pid === started.pid)?.peakRssBytes ?? 0);
    const run: InFlightRun = {
      target,
      asked: calls,
      calls,
      inFlight: {
        client: range((s) => s.client),
        fake: range((s) => s.fakeTimers),
        pendingGenerations: target === "imagegate" ? range((s) => s.pending) : undefined,
      },
      clientSockets: range((s) => s.sockets)[0],
      window: {
        seconds: (windowToMs - windowFromMs) / 1000,
        okPerSecond: calledWindow.perSecond,
        failed: calledWindow.failed,
        callMs: calledWindow.latencyMs,
        rssMeanMB,
        rssMaxMB: range((s) => MB(s.rssBytes))[1],
        probe: probeWindow(probeSamples, windowFromMs, windowToMs),
        usage: windowUsage,
      },
      restRssMB,
      peakRssMB,
      kbPerCall: ((rssMeanMB - restRssMB) * 1024) / calls,
      idleProbe,
      ok: exchanges.ok.filter(Boolean).length,
      failed: exchanges.failures,
      firstFailure: exchanges.firstFailure,
      attempts: 1,
    };
    printRun(run);
    return run;
  } finally {
    agent.destroy();
    probeAgent.destroy();
    await ledger?.end();
    await started.stop();
  }
}

interface StartedTarget {
  pid: number;
  url: string;
  stop(): Promise<void>;
}

async function startTarget(args: RunArgs): Promise<StartedTarget> {
  const { context, fake, target, calls } = args;
  if (target === "portkey") {
    const portkey = await startPortkey(`Portkey (${calls} in flight)`);
    return { pid: portkey.child.pid, url: portkey.url, stop: () => portkey.child.stop() };
  }
  const imagegate = await startImagegateProcess({
    name: `imagegate-in-flight-${calls}`,
    databaseUrl: context.databaseUrl,
    fake,
    workDir: context.workDir,
  });
  return { pid: imagegate.child.pid, url: imagegate.url, stop: () => imagegate.child.stop() };
}

function specFor(args: RunArgs, url: string): RequestSpec {
  return args.target === "imagegate"
    ? imagegateRequest(url, args.keys)
    : portkeyRequest(url, args.fake.apiKey, `${args.fake.origin}/v1`);
}

/** The spec's request on `agent`, verified as autocannon's runs verify it; slot n uses connection n's headers. */
function exchangeFor(spec: RequestSpec, agent: http.Agent, timeoutMs: number): (slot: number) => Promise<Outcome> {
  const url = `${spec.origin}${spec.path}`;
  return async (slot) => {
    const headers = spec.headersForConnection?.(slot) ?? spec.headers;
    const { status, body } = await send(agent, { method: "POST", url, headers, body: spec.body, timeoutMs });
    const text = body.toString("utf8");
    const ok = status === 200 && spec.verifyBody(text);
    return { ok, bytes: body.length, failure: ok ? undefined : `${status} ${text.slice(0, 300)}` };
  };
}

/** The cheap request: imagegate's `me { balance }` for a user with no load of its own; Portkey's health endpoint. */
function probeFor(target: InFlightTarget, url: string, key: string, agent: http.Agent): () => Promise<boolean> {
  if (target === "portkey") {
    return async () => {
      const { status, body } = await send(agent, { method: "GET", url: `${url}/`, timeoutMs: 60_000 });
      return status === 200 && body.toString().includes("says hey");
    };
  }
  const body = JSON.stringify({ query: "{ me { balance } }" });
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  return async () => {
    const answer = await send(agent, { method: "POST", url: `${url}/graphql`, headers, body, timeoutMs: 60_000 });
    const text = answer.body.toString();
    return answer.status === 200 && text.startsWith('{"data":{"me":{"balance":') && !text.includes('"errors"');
  };
}

interface Sample {
  tMs: number;
  client: number;
  sockets: number;
  fakeTimers: number | undefined;
  pending: number | undefined;
  rssBytes: number;
}

/** Once a second: calls in flight as each side sees them, and the target's RSS. */
async function sample(
  tMs: number,
  client: number,
  agent: http.Agent,
  fake: Fake,
  pid: number,
  ledger: pg.Client | undefined,
): Promise<Sample> {
  const rssBytes = memory(pid).rssBytes;
  const sockets = agentSockets(agent);
  const fakeTimers = await fetch(`${fake.controlOrigin}/stats`)
    .then((r) => r.json() as Promise<{ timers: number }>)
    .then((stats) => stats.timers)
    .catch(() => undefined);
  const pending = await ledger
    ?.query("SELECT count(*)::int AS n FROM image_generations WHERE status = 'PENDING'")
    .then((r) => (r.rows[0] as { n: number }).n)
    .catch(() => undefined);
  return { tMs, client, sockets, fakeTimers, pending, rssBytes };
}

function printRun(run: InFlightRun): void {
  const w = run.window;
  const span = ([a, b]: [number, number]) => (a === b ? String(a) : `${a}-${b}`);
  out(
    `    in flight during the window: client ${span(run.inFlight.client)}, fake ${span(run.inFlight.fake)}` +
      (run.inFlight.pendingGenerations === undefined ? "" : `, PENDING ${span(run.inFlight.pendingGenerations)}`) +
      `; client sockets ${run.clientSockets}`,
  );
  out(
    `    calls: ${fixed(w.okPerSecond, 1)}/s answered in the window, p50 ${fixed(w.callMs.p50 / 1000, 2)} s p99 ` +
      `${fixed(w.callMs.p99 / 1000, 2)} s; ${run.ok} ok, ${run.failed} failed in all` +
      (run.firstFailure === undefined ? "" : ` (first: ${run.firstFailure})`),
  );
  out(
    `    RSS: at rest ${fixed(run.restRssMB, 0)} MB, in the window mean ${fixed(w.rssMeanMB, 0)} max ${fixed(w.rssMaxMB, 0)} MB, ` +
      `peak ${fixed(run.peakRssMB, 0)} MB; ${fixed(run.kbPerCall, 1)} KB per call in flight`,
  );
  out(
    `    cheap request: idle p50 ${fixed(run.idleProbe.latencyMs.p50)} p99 ${fixed(run.idleProbe.latencyMs.p99)} ms; ` +
      `in the window p50 ${fixed(w.probe.latencyMs.p50)} p99 ${fixed(w.probe.latencyMs.p99)} max ${fixed(w.probe.latencyMs.max)} ms ` +
      `(${w.probe.sent} sent, ${w.probe.failed} failed)`,
  );
  out(`    window: ${coresLine(w.usage)}`);
}

function printInFlight(report: InFlightReport): void {
  out(
    `\n[in flight: summary] fake latency ${report.latencyMs} ms; figures from the ${report.measuredSeconds} s window`,
  );
  out(
    table(
      [
        "target",
        "calls",
        "in flight (fake)",
        "calls/s",
        "failed",
        "RSS rest MB",
        "RSS window MB",
        "peak RSS MB",
        "KB/call",
        "cheap p99 idle ms",
        "cheap p99 ms",
        "target cores",
        "others' cores",
      ],
      report.runs.map((run) => {
        const own = run.window.usage.processes.find((p) => p.name === run.target);
        return [
          LABELS[run.target],
          String(run.calls),
          `${run.inFlight.fake[0]}-${run.inFlight.fake[1]}`,
          fixed(run.window.okPerSecond, 0),
          String(run.failed),
          fixed(run.restRssMB, 0),
          fixed(run.window.rssMeanMB, 0),
          fixed(run.peakRssMB, 0),
          fixed(run.kbPerCall, 1),
          fixed(run.idleProbe.latencyMs.p99),
          fixed(run.window.probe.latencyMs.p99),
          fixed((own?.cpuSeconds ?? 0) / run.window.usage.elapsedSeconds),
          fixed(othersCores(run.window.usage)),
        ];
      }),
    ),
  );
  const rows: string[][] = [];
  for (const calls of new Set(report.runs.map((run) => run.calls))) {
    const of = (target: InFlightTarget) => report.runs.find((run) => run.calls === calls && run.target === target);
    const imagegate = of("imagegate");
    const portkey = of("portkey");
    if (imagegate !== undefined && portkey !== undefined) {
      rows.push([`${calls}: peak RSS imagegate / Portkey`, fixed(imagegate.peakRssMB / portkey.peakRssMB), "", ""]);
      rows.push([
        `${calls}: cheap p99 imagegate / Portkey`,
        fixed(imagegate.window.probe.latencyMs.p99 / portkey.window.probe.latencyMs.p99),
        "",
        "",
      ]);
    }
    if (imagegate !== undefined) {
      const p99 = imagegate.window.probe.latencyMs.p99;
      rows.push([`${calls}: imagegate me p99 loaded / idle`, fixed(p99 / imagegate.idleProbe.latencyMs.p99), "", ""]);
      if (imagegate.asked >= 10_000) {
        const { peakRssMB, asked } = imagegate;
        rows.push([`${calls}: imagegate peak RSS, MB`, fixed(peakRssMB, 0), "< 1024", verdict(peakRssMB < 1024)]);
        if (asked > calls) {
          // The peak's growth over rest, per call held, carried on to the calls asked for.
          const extrapolated = imagegate.restRssMB + ((peakRssMB - imagegate.restRssMB) * asked) / calls;
          rows.push([
            `  the same at ${asked}, extrapolated`,
            fixed(extrapolated, 0),
            "< 1024",
            verdict(extrapolated < 1024),
          ]);
        }
        rows.push([`${calls}: imagegate me p99, ms`, fixed(p99), "< 50", verdict(p99 < 50)]);
      }
    }
  }
  if (rows.length > 0) out(table(["ratio", "value", "target", ""], rows));
}
