import { holdingAgent, runClosedLoop, windowOf, type Exchanges } from "../lib/closed-loop";
import type { BenchContext } from "../lib/context";
import { summarizeLatency, type LatencySummary } from "../lib/load";
import { coresLine, leastDisturbed, othersCores, type Measured } from "../lib/measure";
import { PAYLOAD_TARGET_LABELS, type PayloadTargetName } from "../lib/options";
import { fixed, MB, out, table, verdict } from "../lib/output";
import { PhaseMeter, type PhaseUsage } from "../lib/proc-stats";
import { payloadExchange, type PayloadFormat, type PayloadTarget } from "../lib/payload-requests";
import { portkeyRequest } from "../lib/requests";
import {
  createManyUsers,
  processProbeArgs,
  probeProcess,
  setFakeMode,
  startBareProxy,
  startScriptProxy,
  startFake,
  startImagegateProcess,
  startPortkey,
  type Fake,
  type ProcessProbeReport,
} from "../lib/targets";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { summarizeProfile } from "../lib/cpu-profile";
import { ROOT } from "../lib/processes";
import { printProfileSummary } from "./profile";

// Realistic payloads: gpt-image-2 at 1536x1024, a 3.5 MB PNG of noise (as large as real ones, and incompressible),
// answered in base64 or as a URL on the provider's host, at c=32 through each target in alternating slices. Fresh
// processes (their own fake, bare proxy, Portkey and imagegate), so that their memory is this phase's.

export interface PayloadSlice {
  target: PayloadTargetName;
  format: PayloadFormat;
  seconds: number;
  ok: number;
  failed: number;
  firstFailure: string | undefined;
  requestsPerSecond: number;
  imageMBPerSecond: number;
  latencyMs: LatencySummary;
  peakRssMB: number;
  cpuMsPerRequest: number;
  usage: PhaseUsage;
  attempts: number;
  /** The target's own memory figures over the slice (bench/lib/process-probe.cjs); not for the fake. */
  memory: ProcessProbeReport | undefined;
}

export interface PayloadReport {
  imageBytes: number;
  concurrency: number;
  /** Each target and format, its rounds combined. */
  results: PayloadSlice[];
  /** imagegate / Portkey throughput, one per round and format. */
  roundRatios: Record<PayloadFormat, number[]>;
}

interface Processes {
  fake: Fake;
  /** memoryFile: where the target's memory probe writes (none for the fake). */
  targets: Record<PayloadTargetName, { target: PayloadTarget; measured: Measured[]; memoryFile?: string }>;
  stop(): Promise<void>;
}

export async function runPayloads(context: BenchContext): Promise<void> {
  const { options } = context;
  const settings = options.payloads;
  out(
    `\n[payloads] gpt-image-2 1536x1024, one PNG of seeded noise, as ${settings.formats.join(" and ")}, ` +
      `c=${settings.concurrency}, ${settings.durationSeconds} s per target and format in ${settings.rounds} round(s)`,
  );
  const processes = await startProcesses(context);
  const imageBytes = processes.fake.imageBytes;
  out(
    `  the image: ${imageBytes} bytes (${fixed(MB(imageBytes), 2)} MB; base64 ${Math.ceil(imageBytes / 3) * 4} bytes)`,
  );
  const report: PayloadReport = {
    imageBytes,
    concurrency: settings.concurrency,
    results: [],
    roundRatios: { b64: [], url: [] },
  };
  context.report.payloads = report;
  try {
    for (const format of settings.formats) {
      await setFakeMode(processes.fake, format === "b64" ? "noise-b64" : "noise-url");
      out(`  ${format}: warming up each target`);
      for (const name of settings.targets) {
        await runSlice(
          context,
          processes,
          name,
          format,
          options.warmupSeconds > 0 ? Math.min(3, options.warmupSeconds) : 0,
        );
      }
      const slices = new Map<PayloadTargetName, PayloadSlice[]>(settings.targets.map((name) => [name, []]));
      for (let round = 1; round <= settings.rounds; round++) {
        for (const name of settings.targets) {
          const seconds = settings.durationSeconds / settings.rounds;
          const { result, attempts } = await leastDisturbed(
            () => runSlice(context, processes, name, format, seconds),
            (slice) => slice.usage,
          );
          result.attempts = attempts;
          printSlice(result, settings.rounds > 1 ? ` round ${round}` : "");
          slices.get(name)!.push(result);
        }
      }
      for (const name of settings.targets) report.results.push(combine(slices.get(name)!));
      const imagegate = slices.get("imagegate");
      const portkey = slices.get("portkey");
      if (imagegate !== undefined && portkey !== undefined) {
        report.roundRatios[format] = imagegate.map((s, i) => s.imageMBPerSecond / portkey[i]!.imageMBPerSecond);
      }
    }
  } finally {
    await processes.stop();
  }
  printPayloads(report);
  if (settings.profile) await summarizePayloadProfile(context);
}

const profileDir = (context: BenchContext) => path.join(context.workDir, "payloads-cpu-profile");

/** --payload-profile: imagegate's profile over its whole life in this phase (the slices are most of it). */
async function summarizePayloadProfile(context: BenchContext): Promise<void> {
  const written = (await readdir(profileDir(context))).filter((f) => f.endsWith(".cpuprofile"));
  if (written.length === 0) return out("  no .cpuprofile written");
  const keptDir = path.join(ROOT, "bench/profiles");
  await mkdir(keptDir, { recursive: true });
  const file = path.join(keptDir, `imagegate-payloads-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`);
  await writeFile(file, await readFile(path.join(profileDir(context), written[0]!)));
  out(`\n[payloads: profile] imagegate's CPU profile over the phase: ${path.relative(ROOT, file)}`);
  printProfileSummary(summarizeProfile(file));
}

async function startProcesses(context: BenchContext): Promise<Processes> {
  const fake = await startFake(0, "noise-b64", "fake OpenAI (payloads)");
  const memoryFile = (name: PayloadTargetName) => path.join(context.workDir, `memory-payloads-${name}.jsonl`);
  const bare = await startBareProxy(fake.origin, context.workDir, processProbeArgs(memoryFile("bare")));
  const storing = await startScriptProxy(
    "storing-proxy",
    fake.origin,
    context.workDir,
    processProbeArgs(memoryFile("storing")),
  );
  const portkey = await startPortkey("Portkey (payloads)", processProbeArgs(memoryFile("portkey")));
  const probe = processProbeArgs(memoryFile("imagegate"));
  const profiling = context.options.payloads.profile ? ["--cpu-prof", `--cpu-prof-dir=${profileDir(context)}`] : [];
  const imagegate = await startImagegateProcess({
    name: "imagegate-payloads",
    databaseUrl: context.databaseUrl,
    fake,
    workDir: context.workDir,
    nodeArgs: [...profiling, ...probe.nodeArgs],
    env: probe.env,
  });
  const users = await createManyUsers(context.databaseUrl, "payloads", 32);
  out(
    `  fake ${fake.origin} (pid ${fake.child.pid}), bare proxy ${bare.url} (pid ${bare.child.pid}), ` +
      `storing proxy ${storing.url} (pid ${storing.child.pid}), ` +
      `Portkey ${portkey.url} (pid ${portkey.child.pid}), imagegate ${imagegate.url} (pid ${imagegate.child.pid}); 32 users`,
  );
  const json = { "content-type": "application/json" };
  const openAI = { ...json, authorization: `Bearer ${fake.apiKey}` };
  const fakeProcess = { name: "fake", pid: fake.child.pid };
  return {
    fake,
    targets: {
      direct: { target: { kind: "openai", origin: fake.origin, headers: openAI }, measured: [fakeProcess] },
      bare: {
        target: { kind: "openai", origin: bare.url, headers: openAI },
        measured: [{ name: "bare", pid: bare.child.pid }, fakeProcess],
        memoryFile: memoryFile("bare"),
      },
      storing: {
        target: { kind: "openai", origin: storing.url, headers: openAI },
        measured: [{ name: "storing", pid: storing.child.pid }, fakeProcess],
        memoryFile: memoryFile("storing"),
      },
      portkey: {
        target: {
          kind: "openai",
          origin: portkey.url,
          headers: portkeyRequest(portkey.url, fake.apiKey, `${fake.origin}/v1`).headers,
        },
        measured: [{ name: "portkey", pid: portkey.child.pid }, fakeProcess],
        memoryFile: memoryFile("portkey"),
      },
      imagegate: {
        target: { kind: "imagegate", origin: imagegate.url, headers: json, keys: users.map((u) => u.apiKey) },
        measured: [{ name: "imagegate", pid: imagegate.child.pid }, fakeProcess],
        memoryFile: memoryFile("imagegate"),
      },
    },
    stop: async () => {
      const children = [imagegate, portkey, bare, storing, fake].map((started) => started.child);
      await Promise.all(children.map((child) => child.stop()));
    },
  };
}

/** One closed-loop run of `seconds` (0: none) against a target; its own process is the first measured one. */
async function runSlice(
  context: BenchContext,
  processes: Processes,
  name: PayloadTargetName,
  format: PayloadFormat,
  seconds: number,
): Promise<PayloadSlice> {
  const { target, measured, memoryFile } = processes.targets[name];
  const c = context.options.payloads.concurrency;
  const agents = { api: holdingAgent(c), download: holdingAgent(c) };
  // Each slice starts from a collected heap and its own peaks.
  if (memoryFile !== undefined) await probeProcess(measured[0]!.pid, memoryFile);
  const meter = new PhaseMeter(measured, name === "imagegate" ? context.databaseName : undefined);
  meter.start();
  const loop = runClosedLoop({
    slots: c,
    rampMs: 0,
    stopAfterMs: seconds * 1000,
    exchange: payloadExchange(target, format, processes.fake.imageBytes, agents),
  });
  const exchanges = await loop.done;
  const usage = meter.stop();
  agents.api.destroy();
  agents.download.destroy();
  const memory = memoryFile === undefined ? undefined : await probeProcess(measured[0]!.pid, memoryFile);
  const slice = sliceOf(name, format, seconds, exchanges, usage, processes.fake.imageBytes);
  slice.memory = memory;
  return slice;
}

function sliceOf(
  target: PayloadTargetName,
  format: PayloadFormat,
  seconds: number,
  exchanges: Exchanges,
  usage: PhaseUsage,
  imageBytes: number,
): PayloadSlice {
  const measured = windowOf(exchanges, 0, seconds * 1000);
  const own = usage.processes[0]!;
  const ok = exchanges.ok.filter(Boolean).length;
  const slice: PayloadSlice = {
    target,
    format,
    seconds,
    ok: measured.ok,
    failed: exchanges.failures,
    firstFailure: exchanges.firstFailure,
    requestsPerSecond: measured.perSecond,
    imageMBPerSecond: MB(measured.perSecond * imageBytes),
    latencyMs: measured.latencyMs,
    peakRssMB: MB(own.peakRssBytes),
    cpuMsPerRequest: (own.cpuSeconds * 1000) / Math.max(1, ok),
    usage,
    attempts: 1,
    memory: undefined,
  };
  latenciesOf.set(slice, latencies(exchanges, seconds * 1000));
  return slice;
}

const latenciesOf = new WeakMap<PayloadSlice, number[]>();

function latencies(exchanges: Exchanges, toMs: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < exchanges.endMs.length; i++) {
    if (exchanges.ok[i] && exchanges.endMs[i]! < toMs) found.push(exchanges.endMs[i]! - exchanges.startMs[i]!);
  }
  return found;
}

/** A target's rounds as one: counts and times added, latencies pooled, the highest peak. */
function combine(slices: PayloadSlice[]): PayloadSlice {
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  const ok = slices.reduce((sum, s) => sum + s.ok, 0);
  const pooled = slices.flatMap((s) => latenciesOf.get(s) ?? []);
  return {
    ...slices[0]!,
    seconds,
    ok,
    failed: slices.reduce((sum, s) => sum + s.failed, 0),
    firstFailure: slices.find((s) => s.firstFailure !== undefined)?.firstFailure,
    requestsPerSecond: ok / seconds,
    imageMBPerSecond: slices.reduce((sum, s) => sum + s.imageMBPerSecond * s.seconds, 0) / seconds,
    latencyMs: summarizeLatency(Float64Array.from(pooled)),
    peakRssMB: Math.max(...slices.map((s) => s.peakRssMB)),
    cpuMsPerRequest: slices.reduce((sum, s) => sum + s.cpuMsPerRequest * s.ok, 0) / Math.max(1, ok),
    usage: slices[0]!.usage,
    attempts: slices.reduce((sum, s) => sum + s.attempts, 0),
    memory: highestPeaks(slices.map((s) => s.memory)),
  };
}

/** Each memory figure's highest peak over the rounds. */
function highestPeaks(reports: (ProcessProbeReport | undefined)[]): ProcessProbeReport | undefined {
  const present = reports.filter((r): r is ProcessProbeReport => r !== undefined);
  if (present.length === 0) return undefined;
  const peak = { ...present[0]!.peak };
  for (const report of present) {
    for (const key of Object.keys(peak) as (keyof typeof peak)[]) peak[key] = Math.max(peak[key], report.peak[key]);
  }
  return { ...present[present.length - 1]!, peak };
}

function printSlice(slice: PayloadSlice, round: string): void {
  out(
    `    ${PAYLOAD_TARGET_LABELS[slice.target].padEnd(14)} ${slice.format.padEnd(3)}${round}: ${fixed(slice.requestsPerSecond, 1)} req/s, ` +
      `${fixed(slice.imageMBPerSecond, 1)} MB/s of images, p50 ${fixed(slice.latencyMs.p50)} p99 ${fixed(slice.latencyMs.p99)} ms, ` +
      `${slice.ok} ok ${slice.failed} failed, cpu ${fixed(slice.cpuMsPerRequest, 2)} ms/req, peak RSS ${fixed(slice.peakRssMB, 0)} MB`,
  );
  out(`      ${coresLine(slice.usage)}`);
  if (slice.memory !== undefined) out(`      ${peaksLine(slice.memory)}`);
  if (slice.firstFailure !== undefined) out(`      FAILURE: ${slice.firstFailure}`);
}

/** The slice's peaks by kind: V8's heap, Buffers (external), and RSS. */
function peaksLine(memory: ProcessProbeReport): string {
  const mb = (bytes: number) => fixed(MB(bytes), 0);
  const { peak } = memory;
  return (
    `memory peaks (inside the process, 50 ms samples): RSS ${mb(peak.rss)}, heap used ${mb(peak.heapUsed)} of ` +
    `${mb(peak.heapTotal)}, external ${mb(peak.external)} (ArrayBuffers ${mb(peak.arrayBuffers)}) MB`
  );
}

function printPayloads(report: PayloadReport): void {
  out(`\n[payloads: summary] ${report.imageBytes} bytes per image, c=${report.concurrency}`);
  out(
    table(
      [
        "target",
        "format",
        "req/s",
        "MB/s",
        "p50 ms",
        "p99 ms",
        "failed",
        "CPU ms/req",
        "peak RSS MB",
        "heap peak MB",
        "external peak MB",
        "others' cores",
      ],
      report.results.map((s) => [
        PAYLOAD_TARGET_LABELS[s.target],
        s.format,
        fixed(s.requestsPerSecond, 1),
        fixed(s.imageMBPerSecond, 1),
        fixed(s.latencyMs.p50),
        fixed(s.latencyMs.p99),
        String(s.failed),
        fixed(s.cpuMsPerRequest, 2),
        fixed(s.peakRssMB, 0),
        s.memory === undefined ? "" : fixed(MB(s.memory.peak.heapUsed), 0),
        s.memory === undefined ? "" : fixed(MB(s.memory.peak.external), 0),
        fixed(othersCores(s.usage)),
      ]),
    ),
  );
  const rows: string[][] = [];
  for (const format of ["b64", "url"] as const) {
    const of = (target: PayloadTargetName) => report.results.find((s) => s.target === target && s.format === format);
    const imagegate = of("imagegate");
    const portkey = of("portkey");
    const bare = of("bare");
    if (imagegate === undefined) continue;
    if (portkey !== undefined) {
      const ratio = imagegate.imageMBPerSecond / portkey.imageMBPerSecond;
      rows.push([`${format}: MB/s imagegate / Portkey`, fixed(ratio), ">= 1.0", verdict(ratio >= 1)]);
      const byRound = report.roundRatios[format];
      if (byRound.length > 1) rows.push([`  by round`, byRound.map((r) => fixed(r)).join(", "), "", ""]);
    }
    if (bare !== undefined) {
      rows.push([
        `${format}: MB/s imagegate / bare proxy`,
        fixed(imagegate.imageMBPerSecond / bare.imageMBPerSecond),
        "",
        "",
      ]);
      const rss = imagegate.peakRssMB / bare.peakRssMB;
      rows.push([`${format}: peak RSS imagegate / bare proxy`, fixed(rss), "<= 1.5", verdict(rss <= 1.5)]);
    }
    const storing = of("storing");
    if (storing !== undefined) {
      // Proposed in issue 15 for a gateway that stores what it serves: against the proxy that does that work too.
      const throughput = imagegate.imageMBPerSecond / storing.imageMBPerSecond;
      const rss = imagegate.peakRssMB / storing.peakRssMB;
      rows.push([`${format}: MB/s imagegate / storing proxy`, fixed(throughput), ">= 0.5", verdict(throughput >= 0.5)]);
      // Context, not a target: the proxy's RSS grows as it runs (bench/RESULTS.md, session 11).
      rows.push([`${format}: peak RSS imagegate / storing proxy`, fixed(rss), "", ""]);
      // Whether the targets as written can be met at all by a gateway that keeps its images: does the least one?
      if (portkey !== undefined) {
        const ratio = storing.imageMBPerSecond / portkey.imageMBPerSecond;
        rows.push([`${format}: MB/s storing proxy / Portkey`, fixed(ratio), "", ""]);
      }
      if (bare !== undefined) {
        rows.push([
          `${format}: peak RSS storing proxy / bare proxy`,
          fixed(storing.peakRssMB / bare.peakRssMB),
          "",
          "",
        ]);
      }
    }
    if (portkey !== undefined && bare !== undefined) {
      rows.push([`${format}: peak RSS Portkey / bare proxy`, fixed(portkey.peakRssMB / bare.peakRssMB), "", ""]);
    }
  }
  if (rows.length > 0) out(table(["ratio", "value", "target", ""], rows));
}
