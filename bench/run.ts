// npm run bench: issue 4's benchmark in one run on this machine. A fake OpenAI (0 ms by default), imagegate compiled
// and on a fresh database as its own process, and the references behind the same fake: Portkey's open-source gateway,
// a bare Node reverse proxy, and the fake called directly. Each is driven by autocannon, in turn and in slices
// (--rounds), with the same request (DALL-E 2, 256x256, b64) at concurrency 1 and 32; then the database round trips
// of one generateImage, two imagegate processes on one database (with the ledger checked after), and optionally a
// CPU profile and the finance queries. See bench/RESULTS.md for the figures and `npm run bench -- --help` for flags.
import "reflect-metadata";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import ts from "typescript";
import { withConnection } from "../src/db/postgres-admin";
import { formatMoney, parseMoney } from "../src/domain/money";
import { summarizeProfile, type ProfileSummary, type SelfTime } from "./lib/cpu-profile";
import { checkLedger, type LedgerCheck } from "./lib/ledger-check";
import { concatResults, mergeResults, runLoad, type LoadResult, type RequestSpec } from "./lib/load";
import {
  freePort,
  ROOT,
  runCommand,
  startChild,
  startJsonAnnouncingChild,
  stopAll,
  waitForHttp,
  type Child,
} from "./lib/processes";
import {
  combineUsage,
  listeningAddresses,
  machineBusyCores,
  machineDescription,
  memory,
  PhaseMeter,
  threadCpuSeconds,
  type PhaseUsage,
} from "./lib/proc-stats";
import {
  generationIdOf,
  imagegateRequest,
  isGeneratedImage,
  isOpenAIImage,
  openAIRequest,
  portkeyRequest,
  sendOnce,
} from "./lib/requests";
import { countRoundTrips, type RoundTripReport } from "./lib/round-trips";
import { formatHotPathFloor, measureHotPathFloor, type HotPathFloor } from "./hot-path-floor";

const USAGE = `usage: npm run bench -- [options]

  --duration <s>        measured seconds per target and concurrency   (default 15; env BENCH_DURATION)
  --rounds <n>          split each target's measured seconds into n slices, run in turn with the other targets'
                        (direct, bare, Portkey, imagegate, direct, ...): a host that drifts then slows every target
                        alike, and each round gives its own imagegate/Portkey ratio            (default 5)
  --warmup <s>          unmeasured seconds at c=32 per target, first  (default 5; env BENCH_WARMUP)
  --concurrency <list>  connections of the measured runs               (default 1,32)
  --latency-ms <ms>     the fake provider's latency                    (default 0; env BENCH_LATENCY_MS)
  --users <n>           imagegate users (API keys) the load is spread over; 1 makes every request wait on one
                        account's row lock, the worst case            (default 1)
  --targets <list>      of direct,bare,portkey,imagegate               (default all)
  --round-trips <n>     sequential generateImage calls counted for database round trips (default 20; 0 skips)
  --floor-runs <n>      after the c=1 runs, time the open and the settle of one generation that many times, one call
                        at a time (bench/hot-path-floor.ts): the database's part of c=1's latency (default 1000; 0 skips)
  --no-two-processes    skip the run of two imagegate processes on one database
  --profile             also run imagegate under --cpu-prof and summarize the profile (bench/profiles/)
  --profile-concurrency <c>  connections of the profiled run (default 32)
  --imagegate-node-args <flags>  node flags for the measured imagegate process, e.g. "--perf-basic-prof" to
                        sample it with \`perf record -e cpu-clock -g -p <pid>\` (kernel time included)
  --finance             also seed 1M and 10M generations and time spendReport (bench/spend-report.ts; minutes)
  --finance-sizes <list>  generations to seed for --finance (default 1000000,10000000)
  --max-other-cores <x> a run during which other processes used more cores is disturbed (default 0.25)
  --retries <n>         disturbed runs are measured again up to n times, the least disturbed kept (default 2)
  --quiet-wait <s>      before each run, wait up to s seconds for the machine to be idle (default 120)
  --quick               a smoke run: 2 s per run, 1 s warm-up, 5 round-trip calls
  --no-build            skip \`npm run build\` (dist/ must be current)
  --keep-db             do not drop the bench database at the end
  --json <file>         also write every figure as JSON
  --postgres <url>      the server to create the bench database on (default postgresql://postgres@127.0.0.1:5432/postgres;
                        env BENCH_POSTGRES_URL)
`;

type TargetName = "direct" | "bare" | "portkey" | "imagegate";
const TARGET_NAMES: TargetName[] = ["direct", "bare", "portkey", "imagegate"];
const TARGET_LABELS: Record<TargetName, string> = {
  direct: "direct (fake)",
  bare: "bare proxy",
  portkey: "Portkey",
  imagegate: "imagegate",
};

interface Options {
  durationSeconds: number;
  rounds: number;
  warmupSeconds: number;
  concurrency: number[];
  latencyMs: number;
  users: number;
  targets: TargetName[];
  roundTripCalls: number;
  floorRuns: number;
  twoProcesses: boolean;
  profile: boolean;
  profileConcurrency: number;
  imagegateNodeArgs: string[];
  finance: boolean;
  financeSizes: number[];
  build: boolean;
  keepDatabase: boolean;
  quiet: QuietPolicy;
  json: string | undefined;
  postgresUrl: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: "string" },
      rounds: { type: "string" },
      warmup: { type: "string" },
      concurrency: { type: "string" },
      "latency-ms": { type: "string" },
      users: { type: "string" },
      targets: { type: "string" },
      "round-trips": { type: "string" },
      "floor-runs": { type: "string" },
      "no-two-processes": { type: "boolean" },
      profile: { type: "boolean" },
      "profile-concurrency": { type: "string" },
      "imagegate-node-args": { type: "string" },
      finance: { type: "boolean" },
      "finance-sizes": { type: "string" },
      quick: { type: "boolean" },
      "no-build": { type: "boolean" },
      "keep-db": { type: "boolean" },
      "max-other-cores": { type: "string" },
      retries: { type: "string" },
      "quiet-wait": { type: "string" },
      json: { type: "string" },
      postgres: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const number = (value: string | undefined, fallback: number, name: string) => {
    const parsed = Number(value ?? fallback);
    if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative number`);
    return parsed;
  };
  const targets = (values.targets ?? TARGET_NAMES.join(",")).split(",").map((name) => name.trim());
  for (const name of targets) {
    if (!TARGET_NAMES.includes(name as TargetName)) throw new Error(`unknown target ${name}`);
  }
  return {
    durationSeconds: number(values.duration ?? process.env.BENCH_DURATION, quick ? 2 : 15, "duration"),
    rounds: Math.max(1, Math.round(number(values.rounds, quick ? 1 : 5, "rounds"))),
    warmupSeconds: number(values.warmup ?? process.env.BENCH_WARMUP, quick ? 1 : 5, "warmup"),
    concurrency: (values.concurrency ?? "1,32").split(",").map((c) => number(c, 1, "concurrency")),
    latencyMs: number(values["latency-ms"] ?? process.env.BENCH_LATENCY_MS, 0, "latency-ms"),
    users: Math.max(1, number(values.users, 1, "users")),
    targets: TARGET_NAMES.filter((name) => targets.includes(name)),
    roundTripCalls: number(values["round-trips"], quick ? 5 : 20, "round-trips"),
    floorRuns: number(values["floor-runs"], quick ? 100 : 1000, "floor-runs"),
    twoProcesses: values["no-two-processes"] !== true,
    profile: values.profile === true,
    profileConcurrency: Math.max(1, number(values["profile-concurrency"], 32, "profile-concurrency")),
    imagegateNodeArgs: (values["imagegate-node-args"] ?? "").split(" ").filter((arg) => arg !== ""),
    finance: values.finance === true,
    financeSizes: (values["finance-sizes"] ?? "1000000,10000000").split(",").map((n) => number(n, 0, "finance-sizes")),
    build: values["no-build"] !== true,
    keepDatabase: values["keep-db"] === true,
    quiet: {
      maxOtherCores: number(values["max-other-cores"], 0.25, "max-other-cores"),
      retries: number(values.retries, 2, "retries"),
      quietWaitSeconds: number(values["quiet-wait"], quick ? 10 : 120, "quiet-wait"),
    },
    json: values.json,
    postgresUrl: values.postgres ?? process.env.BENCH_POSTGRES_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Output

const out = (line = "") => process.stdout.write(`${line}\n`);
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
const MB = (bytes: number) => bytes / 1024 / 1024;
const seconds = (startedMs: number) => `${((Date.now() - startedMs) / 1000).toFixed(1)} s`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? "-".repeat(w + 2) : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function progress(label: string, durationSeconds: number) {
  const tty = process.stdout.isTTY;
  return (second: number, responses: number) => {
    if (tty) process.stdout.write(`\r    ${label}: ${second}/${durationSeconds} s, ${responses} responses   `);
    else if (second % 5 === 0 && second < durationSeconds)
      out(`    ${label}: ${second}/${durationSeconds} s, ${responses} responses`);
    if (tty && second >= durationSeconds) process.stdout.write("\r");
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Phases

interface Phase {
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

interface Measured {
  name: string;
  pid: number;
}

/** How a phase copes with other work on the machine (other people's tests, a compiler). */
interface QuietPolicy {
  /** Other processes may use this many cores during a run before it counts as disturbed. */
  maxOtherCores: number;
  /** Disturbed runs are measured again this many times; the least disturbed one is kept. */
  retries: number;
  /** Before each run, wait up to this long for the machine to be idle. */
  quietWaitSeconds: number;
}

let quietPolicy: QuietPolicy = { maxOtherCores: 0.25, retries: 2, quietWaitSeconds: 120 };

/** Waits until the machine is nearly idle (our idle targets included), or the policy's wait is over. */
async function waitForQuiet(): Promise<void> {
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

const otherCores = (phase: Phase) => phase.usage.otherSeconds / phase.usage.elapsedSeconds;

/** One measured run, after waiting for a quiet machine; again (up to the policy's retries) when others disturbed it. */
async function measure(args: MeasureArgs): Promise<Phase> {
  let best: Phase | undefined;
  let attempts = 0;
  for (let attempt = 1; attempt <= 1 + quietPolicy.retries; attempt++) {
    await waitForQuiet();
    const phase = await measureOnce(args);
    attempts = attempt;
    if (best === undefined || otherCores(phase) < otherCores(best)) best = phase;
    if (otherCores(phase) <= quietPolicy.maxOtherCores) break;
    const who = phase.usage.topOthers
      .map((p) => `${p.name} (pid ${p.pid}) ${fixed(p.cpuSeconds / phase.usage.elapsedSeconds)}`)
      .join("; ");
    out(
      `      disturbed: other processes used ${fixed(otherCores(phase))} cores during the run; ` +
        (attempt <= quietPolicy.retries ? "measuring again" : "keeping the least disturbed run"),
    );
    if (who !== "") out(`      the busiest of them: ${who}`);
  }
  best!.attempts = attempts;
  return best!;
}

interface MeasureArgs {
  label: string;
  target: string;
  specs: RequestSpec[];
  connections: number;
  durationSeconds: number;
  targetProcesses: Measured[];
  others: Measured[];
  databaseName?: string;
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
function combinePhases(phases: Phase[]): Phase {
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

function printPhase(phase: Phase): void {
  const { load, usage } = phase;
  const failed = load.non2xx + load.errors + load.mismatches;
  const cores = (cpuSeconds: number) => fixed(cpuSeconds / usage.elapsedSeconds, 2);
  const parts = usage.processes.map((p) => `${p.name} ${cores(p.cpuSeconds)} (kernel ${cores(p.systemCpuSeconds)})`);
  if (usage.postgresCpuSeconds !== undefined) parts.push(`postgres ${cores(usage.postgresCpuSeconds)}`);
  parts.push(
    `autocannon ${cores(usage.loadGeneratorCpuSeconds)}`,
    `(interrupts ${cores(usage.interruptSeconds)})`,
    `others ${cores(usage.otherSeconds)}`,
    `machine ${cores(usage.machineBusySeconds)}`,
    `stolen by the host ${cores(usage.stealSeconds)}`,
  );
  out(
    `    ${phase.target.padEnd(14)} c=${String(phase.connections).padEnd(3)} ${fixed(load.requestsPerSecond, 0).padStart(6)} req/s` +
      `  p50 ${fixed(load.latencyMs.p50)} p90 ${fixed(load.latencyMs.p90)} p99 ${fixed(load.latencyMs.p99)} ms` +
      `  ok ${load.ok} failed ${failed}` +
      `  cpu ${fixed(phase.cpuMsPerRequest, 3)} ms/req` +
      (phase.postgresCpuMsPerRequest === undefined ? "" : ` (+ postgres ${fixed(phase.postgresCpuMsPerRequest, 3)})`) +
      `  peak RSS ${fixed(phase.peakRssMB, 0)} MB`,
  );
  out(`      cores used: ${parts.join(", ")}`);
  if (failed > 0) {
    out(
      `      FAILURES: non-2xx ${load.non2xx}, errors ${load.errors} (timeouts ${load.timeouts}), bad bodies ${load.mismatches}; first: ${load.firstFailure ?? "?"}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Processes under test

interface Fake {
  child: Child;
  origin: string;
  apiKey: string;
}

async function startFake(latencyMs: number): Promise<Fake> {
  const { child, announced } = await startJsonAnnouncingChild<{ origin: string; apiKey: string }>(
    "fake OpenAI",
    process.execPath,
    ["-r", "@swc-node/register", "bench/fake-openai-server.ts"],
    { PATH: process.env.PATH, NODE_ENV: "production", FAKE_LATENCY_MS: String(latencyMs) },
  );
  return { child, ...announced };
}

/** bench/bare-proxy.ts transpiled to plain JS first, so that its memory is the proxy's, not a compiler's. */
async function startBareProxy(upstream: string, workDir: string): Promise<{ child: Child; url: string }> {
  const source = await readFile(path.join(ROOT, "bench/bare-proxy.ts"), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const file = path.join(workDir, "bare-proxy.js");
  await writeFile(file, outputText);
  const { child, announced } = await startJsonAnnouncingChild<{ url: string }>("bare proxy", process.execPath, [file], {
    PATH: process.env.PATH,
    NODE_ENV: "production",
    UPSTREAM_URL: upstream,
    PORT: "0",
  });
  return { child, url: announced.url };
}

async function startPortkey(): Promise<{ child: Child; url: string; addresses: string[] }> {
  const port = await freePort();
  const child = startChild(
    "Portkey",
    process.execPath,
    [
      "-r",
      path.join(ROOT, "bench/loopback-only.cjs"),
      path.join(ROOT, "node_modules/@portkey-ai/gateway/build/start-server.js"),
      "--headless",
      `--port=${port}`,
    ],
    { env: { PATH: process.env.PATH, NODE_ENV: "production" } },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp("Portkey", child, `${url}/`);
  const addresses = listeningAddresses(port);
  if (addresses.some((address) => !address.startsWith("127.0.0.1:"))) {
    throw new Error(`Portkey listens beyond the loopback: ${addresses.join(", ")}`);
  }
  return { child, url, addresses };
}

interface ImagegateProcess {
  child: Child;
  url: string;
}

async function startImagegateProcess(args: {
  name: string;
  databaseUrl: string;
  fake: Fake;
  workDir: string;
  nodeArgs?: string[];
}): Promise<ImagegateProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(args.workDir, `${args.name}-data-`));
  const child = startChild(args.name, process.execPath, [...(args.nodeArgs ?? []), "dist/main.js"], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      DATABASE_URL: args.databaseUrl,
      HOST: "127.0.0.1",
      PORT: String(port),
      DATA_DIR: dataDir,
      OPENAI_API_KEY: args.fake.apiKey,
      OPENAI_BASE_URL: `${args.fake.origin}/v1`,
      LOG_LEVEL: "warn",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(args.name, child, `${url}/readyz`);
  return { child, url };
}

/**
 * The benchmark's request is DALL-E 2's (a flat per-image price, the same body for every target), which OpenAI has
 * shut down: imagegate serves it as itself here, as for a deployment whose upstream still does (setModelRoute).
 */
async function enableBenchModel(databaseUrl: string): Promise<void> {
  await withConnection(databaseUrl, (client) =>
    client.query(`INSERT INTO model_routes (model, served_by, enabled) VALUES ('DALL_E_2', NULL, true)
                  ON CONFLICT (model) DO UPDATE SET served_by = NULL, enabled = true`),
  );
}

/** Users with a large credit and an API key each, through the compiled CLI, four at a time. */
async function createUsers(databaseUrl: string, prefix: string, count: number) {
  const createOne = async (i: number) => {
    const args = ["dist/cli/main.js", "create-user", "--email", `${prefix}-${i}@bench.example`, "--role", "MEMBER"];
    const stdout = await runCommand(process.execPath, [...args, "--credits", "10000000"], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as { userId: string; apiKey: string };
  };
  const users: { userId: string; apiKey: string }[] = [];
  for (let first = 1; first <= count; first += 4) {
    const batch = Array.from({ length: Math.min(4, count - first + 1) }, (_, i) => createOne(first + i));
    users.push(...(await Promise.all(batch)));
  }
  return users;
}

// ---------------------------------------------------------------------------------------------------------------
// Database

async function adminQuery(serverUrl: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function waitUntilSettled(databaseUrl: string, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await adminQuery(
      databaseUrl,
      "SELECT count(*) AS pending FROM image_generations WHERE status = 'PENDING'",
    );
    const pending = Number((rows[0] as { pending: string }).pending);
    if (pending === 0 || Date.now() > deadline) return pending;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface Report {
  startedAt: string;
  options: Options;
  machine: Record<string, string | number>;
  phases: Phase[];
  ratios: Record<string, number>;
  /** With --rounds above 1: a ratio per round, each from two slices run one after the other. */
  roundRatios: Record<string, number[]>;
  /** RSS of each process after start, before any load, in MB. */
  restRssMB?: Record<string, number>;
  roundTrips?: RoundTripReport;
  floor?: HotPathFloor;
  twoProcesses?: { single: Phase | undefined; combined: Phase; ledger: LedgerCheck; verifyLedger: string };
  profile?: ProfileSummary & { file: string; phase: Phase; threads: { name: string; msPerRequest: number }[] };
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
      await writeFile(
        options.json,
        JSON.stringify(report, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value), 2),
      );
      out(`\nfigures written to ${options.json}`);
    }
    out(`\ndone in ${seconds(startedMs)}`);
  } finally {
    if (!interrupted) await cleanup();
  }
}

async function runBench(options: Options, cleanups: (() => Promise<void>)[]): Promise<Report> {
  quietPolicy = options.quiet;
  const machine = machineDescription();
  const postgresVersion = String(
    (await adminQuery(options.postgresUrl, "SHOW server_version")).rows[0]?.server_version ?? "?",
  );
  const report: Report = {
    startedAt: new Date().toISOString(),
    options,
    machine: {
      cpuModel: machine.cpuModel,
      cores: machine.cores,
      memoryGiB: Number(machine.memoryGiB.toFixed(1)),
      node: process.version,
      postgres: postgresVersion,
      loadAverage: os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" "),
    },
    phases: [],
    ratios: {},
    roundRatios: {},
  };
  const git = await describeCode();
  report.machine.code = git;
  out("imagegate benchmark (issue 4)");
  out(`  code: ${git}`);
  out(
    `  machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB.toFixed(1)} GiB; node ${process.version}; PostgreSQL ${postgresVersion}; load average ${report.machine.loadAverage}`,
  );
  out(
    `  runs: ${options.durationSeconds} s measured per target at c=${options.concurrency.join(",")} in ${options.rounds} round(s), after ${options.warmupSeconds} s warm-up at c=32; fake provider latency ${options.latencyMs} ms; ${options.users} imagegate user(s)`,
  );

  if (options.build) {
    const buildStarted = Date.now();
    out("\n[build] npm run build");
    await runCommand("npm", ["run", "build", "--silent"]);
    out(`  built in ${seconds(buildStarted)}`);
  }

  const workDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-bench-"));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  const databaseName = `imagegate_bench_${process.pid}`;
  const databaseUrl = withDatabase(options.postgresUrl, databaseName);
  out(`\n[setup] database ${databaseName} on ${new URL(options.postgresUrl).host}`);
  await adminQuery(options.postgresUrl, `DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  await adminQuery(options.postgresUrl, `CREATE DATABASE ${databaseName}`);
  if (!options.keepDatabase) {
    cleanups.push(async () => {
      await adminQuery(options.postgresUrl, `DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    });
  }

  const fake = await startFake(options.latencyMs);
  out(`  fake OpenAI at ${fake.origin} (pid ${fake.child.pid}, ${options.latencyMs} ms latency, records nothing)`);
  const imagegate = await startImagegateProcess({
    name: "imagegate",
    databaseUrl,
    fake,
    workDir,
    nodeArgs: options.imagegateNodeArgs,
  });
  out(`  imagegate at ${imagegate.url} (pid ${imagegate.child.pid}, node dist/main.js, migrations applied at start)`);
  const users = await createUsers(databaseUrl, "bench", options.users);
  out(`  ${users.length} user(s) with $10,000,000 of credit (dist/cli/main.js create-user)`);
  await enableBenchModel(databaseUrl);
  const bare = await startBareProxy(fake.origin, workDir);
  out(`  bare proxy at ${bare.url} (pid ${bare.child.pid})`);
  const portkey = await startPortkey();
  out(`  Portkey gateway at ${portkey.url} (pid ${portkey.child.pid}; listening on ${portkey.addresses.join(", ")})`);

  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const restRss = (child: Child) => fixed(MB(memory(child.pid).rssBytes), 0);
  out(
    `  RSS at rest: imagegate ${restRss(imagegate.child)} MB, Portkey ${restRss(portkey.child)} MB, bare proxy ${restRss(bare.child)} MB, fake ${restRss(fake.child)} MB (under swc-node)`,
  );
  report.restRssMB = Object.fromEntries(
    [
      ["imagegate", imagegate.child],
      ["portkey", portkey.child],
      ["bare", bare.child],
      ["fake", fake.child],
    ].map(([name, child]) => [name as string, Number(restRss(child as Child))]),
  );

  const specs: Record<TargetName, RequestSpec> = {
    direct: openAIRequest(fake.origin, fake.apiKey),
    bare: openAIRequest(bare.url, fake.apiKey),
    portkey: portkeyRequest(portkey.url, fake.apiKey, `${fake.origin}/v1`),
    imagegate: imagegateRequest(
      imagegate.url,
      users.map((u) => u.apiKey),
    ),
  };
  const targetProcess: Record<TargetName, Measured> = {
    direct: { name: "fake", pid: fake.child.pid },
    bare: { name: "bare", pid: bare.child.pid },
    portkey: { name: "portkey", pid: portkey.child.pid },
    imagegate: { name: "imagegate", pid: imagegate.child.pid },
  };

  out("\n[check] one request to each target");
  let perRequestMicros = 0n;
  for (const name of TARGET_NAMES) {
    const { status, body } = await sendOnce(specs[name]);
    const ok = status === 200 && (name === "imagegate" ? isGeneratedImage(body) : isOpenAIImage(body));
    if (!ok) throw new Error(`${TARGET_LABELS[name]} answered ${status}: ${body.slice(0, 500)}`);
    if (name === "imagegate") {
      const cost = /"cost":"([0-9.]+)"/.exec(body)?.[1] ?? "0";
      perRequestMicros = parseMoney(cost);
      out(`  ${TARGET_LABELS[name].padEnd(14)} ${status}, ${body.length} bytes, cost ${cost}`);
    } else out(`  ${TARGET_LABELS[name].padEnd(14)} ${status}, ${body.length} bytes`);
  }

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

  if (options.roundTripCalls > 0) {
    out(
      `\n[round trips] ${options.roundTripCalls} sequential generateImage calls, imagegate in this process, every pg query counted`,
    );
    const roundTrips = await countRoundTrips({
      databaseUrl,
      openai: { apiKey: fake.apiKey, baseURL: `${fake.origin}/v1` },
      apiKey: users[0]!.apiKey,
      calls: options.roundTripCalls,
    });
    report.roundTrips = roundTrips;
    printRoundTrips(roundTrips);
  }

  if (options.twoProcesses) {
    out("\n[2 processes] two imagegate processes on one database, c=16 each at the same time");
    const second = await startImagegateProcess({ name: "imagegate-2", databaseUrl, fake, workDir });
    out(`  imagegate-2 at ${second.url} (pid ${second.child.pid})`);
    const ledgerUsers = await createUsers(databaseUrl, "bench-2p", options.users);
    const keys = ledgerUsers.map((u) => u.apiKey);
    if (options.warmupSeconds > 0) {
      out("  warming up both");
      await Promise.all(
        [imagegate.url, second.url].map((url) =>
          runLoad(
            imagegateRequest(
              url,
              users.map((u) => u.apiKey),
            ),
            { connections: 16, durationSeconds: options.warmupSeconds },
          ),
        ),
      );
    }
    const seenIds: string[] = [];
    const collecting = (body: string) => {
      if (!isGeneratedImage(body)) return false;
      const id = generationIdOf(body);
      if (id !== undefined) seenIds.push(id);
      return id !== undefined;
    };
    const combined = await measure({
      label: "2 processes c=16+16",
      target: "imagegate x2",
      specs: [imagegateRequest(imagegate.url, keys, collecting), imagegateRequest(second.url, keys, collecting)],
      connections: 32,
      durationSeconds: options.durationSeconds,
      targetProcesses: [
        { name: "imagegate", pid: imagegate.child.pid },
        { name: "imagegate-2", pid: second.child.pid },
      ],
      others: [targetProcess.direct],
      databaseName,
    });
    const pending = await waitUntilSettled(databaseUrl);
    const ledger = await checkLedger({
      databaseUrl,
      userIds: ledgerUsers.map((u) => u.userId),
      seenIds,
      perRequestMicros,
      // Each run's stop cuts the requests in flight: the server finishes and charges them, unseen.
      connections: 32 * combined.attempts,
    });
    let verifyLedger: string;
    try {
      const output = await runCommand(process.execPath, ["dist/cli/main.js", "verify-ledger"], {
        env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
      });
      const parsed = JSON.parse(output) as { ok: boolean; accountsChecked?: number };
      verifyLedger = `ok (${parsed.accountsChecked ?? "?"} accounts)`;
    } catch (error) {
      verifyLedger = `FAILED: ${String(error).slice(0, 2000)}`;
    }
    const single = report.phases.find((p) => p.target === TARGET_LABELS.imagegate && p.connections === 32);
    report.twoProcesses = { single, combined, ledger, verifyLedger };
    printTwoProcesses(report.twoProcesses, pending);
    await second.child.stop();
  }

  if (options.profile) {
    report.profile = await profileImagegate(options, { databaseUrl, databaseName, fake, workDir, users });
  }

  if (options.finance) await runFinance(options);
  else {
    out("\n[finance] skipped (seeding 10M generations takes minutes): `npm run bench -- --finance`, or by hand:");
    out(
      "  createdb -h 127.0.0.1 -U postgres imagegate_spend && export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imagegate_spend",
    );
    out("  npm run migrate && psql $DATABASE_URL -v generations=10000000 -f bench/seed-spend.sql");
    out("  node -r @swc-node/register bench/spend-report.ts");
  }
  return report;
}

/** The commit the run measured, and whether the working tree had changes on top of it. */
async function describeCode(): Promise<string> {
  try {
    const head = (await runCommand("git", ["rev-parse", "--short", "HEAD"])).trim();
    const changed = (await runCommand("git", ["status", "--porcelain"])).split("\n").filter((l) => l.trim()).length;
    return changed === 0 ? `git ${head}` : `git ${head} + ${changed} uncommitted changes in the working tree`;
  } catch {
    return "unknown (no git)";
  }
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
      `${quietPolicy.maxOtherCores})`,
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

/** A run's figures as table cells: req/s, the latency percentiles asked for, failed, CPU, PostgreSQL's, RSS, others'. */
function phaseCells(p: Phase, percentiles: ("p50" | "p90" | "p99")[]): string[] {
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

function printRoundTrips(report: RoundTripReport): void {
  const min = Math.min(...report.perCall);
  const max = Math.max(...report.perCall);
  const mean = report.perCall.reduce((a, b) => a + b, 0) / report.perCall.length;
  out(
    `  round trips per generateImage: ${fixed(mean, 2)} (min ${min}, max ${max}) over ${report.calls} calls; target: at most 3 ${mean <= 3 ? "(met)" : "(MISSED)"}`,
  );
  out("  statements of one call, in order:");
  report.sequence.forEach((statement, i) => out(`    ${String(i + 1).padStart(2)}. ${statement}`));
  out(`  distinct statements (${report.distinct.length}), per call:`);
  for (const { statement, perCall } of report.distinct) out(`    ${fixed(perCall, 2)} x ${statement}`);
}

function printTwoProcesses(result: NonNullable<Report["twoProcesses"]>, pendingAfter: number): void {
  const { single, combined, ledger } = result;
  const rows = [single, combined]
    .filter((p): p is Phase => p !== undefined)
    .map((p) => [p === single ? "1 process, c=32" : "2 processes, c=16 + 16", ...phaseCells(p, ["p50", "p99"])]);
  out(
    table(
      ["imagegate", "req/s", "p50 ms", "p99 ms", "failed", "CPU ms/req", "+ PG ms/req", "peak RSS MB", "others' cores"],
      rows,
    ),
  );
  if (single !== undefined)
    out(`  2 processes / 1 process: ${fixed(combined.load.requestsPerSecond / single.load.requestsPerSecond, 2)}`);
  const usd = (micros: bigint) => formatMoney(micros);
  out(
    `  ledger after the run (${pendingAfter} pending when checked): ${ledger.ok ? "EXACT" : "MISMATCH"}\n` +
      `    ${ledger.seen} successes seen by the load generator, ${ledger.seenChargedOnce} of them charged exactly once` +
      ` (${ledger.duplicateIds} ids seen twice)\n` +
      `    ${ledger.charges} CHARGE rows = ${ledger.succeeded} SUCCEEDED generations; ${ledger.chargedUnseen} of them for` +
      ` requests in flight when the load stopped (the server finished and charged them; their responses went unread)\n` +
      `    ${ledger.pending} PENDING, ${ledger.openHolds} open holds, reserved ${usd(ledger.reservedMicros)}; balance` +
      ` ${usd(ledger.balanceMicros)}, grants - charges x cost = ${usd(ledger.expectedBalanceMicros)}`,
  );
  for (const problem of ledger.problems) out(`    PROBLEM: ${problem}`);
  out(`  verify-ledger (dist/cli/main.js): ${result.verifyLedger}`);
}

async function profileImagegate(
  options: Options,
  context: {
    databaseUrl: string;
    databaseName: string;
    fake: Fake;
    workDir: string;
    users: { apiKey: string }[];
  },
): Promise<NonNullable<Report["profile"]>> {
  const c = options.profileConcurrency;
  out(
    `\n[profile] imagegate under node --cpu-prof at c=${c} (a separate process; its figures carry the profiler's cost)`,
  );
  const profileDir = path.join(context.workDir, "cpu-profile");
  const profiled = await startImagegateProcess({
    name: "imagegate-profiled",
    databaseUrl: context.databaseUrl,
    fake: context.fake,
    workDir: context.workDir,
    nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${profileDir}`],
  });
  const spec = imagegateRequest(
    profiled.url,
    context.users.map((u) => u.apiKey),
  );
  if (options.warmupSeconds > 0) await runLoad(spec, { connections: c, durationSeconds: options.warmupSeconds });
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const threadsBefore = threadCpuSeconds(profiled.child.pid);
  const phase = await measure({
    label: `profiled c=${c}`,
    target: "imagegate (profiled)",
    specs: [spec],
    connections: c,
    durationSeconds: options.durationSeconds,
    targetProcesses: [{ name: "imagegate", pid: profiled.child.pid }],
    others: [],
    databaseName: context.databaseName,
  });
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const threads = [...threadCpuSeconds(profiled.child.pid)]
    .map(([name, cpu]) => ({
      name,
      msPerRequest: ((cpu - (threadsBefore.get(name) ?? 0)) * 1000) / Math.max(1, phase.load.ok),
    }))
    .filter((thread) => thread.msPerRequest > 0)
    .sort((a, b) => b.msPerRequest - a.msPerRequest);
  out(
    `  CPU per request by thread (kernel accounting): ${threads.map((t) => `${t.name} ${fixed(t.msPerRequest, 2)} ms`).join(", ")}`,
  );
  await profiled.child.stop();
  const written = (await readdir(profileDir)).filter((f) => f.endsWith(".cpuprofile"));
  if (written.length === 0) throw new Error("no .cpuprofile written");
  const keptDir = path.join(ROOT, "bench/profiles");
  await mkdir(keptDir, { recursive: true });
  const file = path.join(keptDir, `imagegate-c${c}-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`);
  await writeFile(file, await readFile(path.join(profileDir, written[0]!)));
  const summary = summarizeProfile(file, { window: [fromUs, toUs] });
  out(`  profile: ${path.relative(ROOT, file)} (open in Chrome DevTools or https://www.speedscope.app)`);
  out(
    `  ${summary.windowed ? "the measured run" : "the whole process (no sample matched the run's window)"}: ` +
      `sampled ${fixed(summary.totalMs / 1000, 1)} s, not idle ${fixed(summary.busyMs / 1000, 1)} s, ` +
      `${phase.load.ok} requests: ${fixed(summary.busyMs / Math.max(1, phase.load.ok), 2)} ms sampled per request ` +
      `(the kernel counted ${fixed(phase.cpuMsPerRequest, 2)} ms of CPU; samples include time preempted by other processes)`,
  );
  const share = (entry: SelfTime) => `${fixed(entry.share * 100, 1)} %`;
  out("  self time by package:");
  out(
    table(
      ["package", "self ms", "share"],
      summary.packages.map((p) => [p.name, fixed(p.ms, 0), share(p)]),
    ),
  );
  out(
    "  self time by package, node's internals and native calls (socket writes, fs) charged to the package calling them:",
  );
  out(
    table(
      ["package", "self ms", "share"],
      summary.packagesByCaller.map((p) => [p.name, fixed(p.ms, 0), share(p)]),
    ),
  );
  out("  top functions by self time (and the callers behind most of it):");
  out(
    table(
      ["function", "self ms", "share", "called from"],
      summary.functions.map((f) => [f.name, fixed(f.ms, 0), share(f), f.calledFrom ?? ""]),
    ),
  );
  out("  imagegate's own functions by total time (callees included):");
  out(
    table(
      ["function", "total ms", "share"],
      summary.imagegateInclusive.map((f) => [f.name, fixed(f.ms, 0), share(f)]),
    ),
  );
  return { ...summary, file: path.relative(ROOT, file), phase, threads };
}

async function runFinance(options: Options): Promise<void> {
  out("\n[finance] spendReport on seeded generations (bench/seed-spend.sql, bench/spend-report.ts)");
  for (const generations of options.financeSizes) {
    const name = `imagegate_bench_${process.pid}_spend`;
    const url = withDatabase(options.postgresUrl, name);
    await adminQuery(options.postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await adminQuery(options.postgresUrl, `CREATE DATABASE ${name}`);
    try {
      const env = { PATH: process.env.PATH, DATABASE_URL: url, LOG_LEVEL: "warn" };
      await runCommand(process.execPath, ["dist/cli/main.js", "migrate"], { env });
      const seedStarted = Date.now();
      out(`  seeding ${generations.toLocaleString("en-US")} generations...`);
      await runCommand("psql", [url, "-q", "-v", `generations=${generations}`, "-f", "bench/seed-spend.sql"], {
        env,
        onLine: (line) => out(`    psql: ${line}`),
      });
      out(`  seeded in ${seconds(seedStarted)}; timing spendReport (bench/spend-report.ts):`);
      await runCommand(process.execPath, ["-r", "@swc-node/register", "bench/spend-report.ts"], {
        env,
        onLine: (line) => out(`    ${line}`),
      });
    } finally {
      await adminQuery(options.postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  }
}

main().catch(async (error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  await stopAll();
  process.exit(1);
});
