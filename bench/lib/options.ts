import { parseArgs } from "node:util";

// The bench's flags: `npm run bench -- --help` prints USAGE.

export const USAGE = `usage: npm run bench -- [options]

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
  --phases <list>       which phases run, of throughput,round-trips,two-processes,in-flight,payloads,hostile,
                        profile,finance (default all but profile and finance; --profile and --finance add theirs)
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

 In-flight capacity (bench/phases/in-flight.ts): N generateImage calls held open by a slow fake, a cheap query beside
  --no-in-flight        skip it
  --in-flight <list>    calls held open at once, one run each         (default 1000,5000,10000)
  --in-flight-targets <list>  of imagegate,portkey                    (default both)
  --in-flight-latency-ms <ms>  the fake's latency in this phase       (default 20000)
  --in-flight-modes <list>  of steady,hold (default both). steady: each call sent again when answered, the calls
                        started spread over the latency, so N stay in flight and N/latency arrive every second;
                        measured for --in-flight-seconds once all are in flight. hold: each call sent once, at the
                        same pace, and answered after twice the latency; measured in between, when none arrive or end
  --in-flight-seconds <s>  measured seconds of the steady mode       (default 30)
  --in-flight-users <n> imagegate users the calls are spread over     (default 100)
  --probe-rate <n>      cheap requests per second beside the load (imagegate: me { balance }; Portkey: GET /)
                        (default 20)
  --nofile <n>          raise the open-files limit of the bench (and so of its children) to n (default 65536)

 Realistic payloads (bench/phases/payloads.ts): GPT_IMAGE_2 1536x1024, a 2-4 MB incompressible PNG
  --no-payloads         skip it
  --payload-formats <list>  of b64,url: how the provider answers   (default b64,url)
  --payload-targets <list>  of direct,bare,portkey,imagegate,storing (default all); storing: a proxy that
                        stores and serves the images as imagegate does (bench/storing-proxy.ts)
  --payload-duration <s>    measured seconds per target and format    (default 30)
  --payload-rounds <n>      in that many slices, the targets in turn  (default 3)
  --payload-concurrency <c> connections                              (default 32)
  --payload-profile     imagegate of this phase under --cpu-prof, the profile summarized (bench/profiles/)

 Hostile answers and queries in a loop (bench/phases/hostile.ts): imagegate's peak RSS
  --no-hostile          skip it
  --hostile-seconds <s> each case alone for s seconds, then all of them at once for s seconds (default 20)
  --hostile-concurrency <c>  requests at a time of each provider case (default 4)
  --hostile-stored <n>  generations (one 1536x1024 image each) stored for the b64Json list query (default 100)

  --max-other-cores <x> a run during which other processes used more cores is disturbed (default 0.25)
  --retries <n>         disturbed runs are measured again up to n times, the least disturbed kept (default 2)
  --quiet-wait <s>      before each run, wait up to s seconds for the machine to be idle (default 120)
  --quick               a smoke run: 2 s per run, 1 s warm-up, 5 round-trip calls; the new phases small and short
  --no-build            skip \`npm run build\` (dist/ must be current)
  --keep-db             do not drop the bench database at the end
  --json <file>         also write every figure as JSON
  --postgres <url>      the server to create the bench database on (default postgresql://postgres@127.0.0.1:5432/postgres;
                        env BENCH_POSTGRES_URL)
`;

export type TargetName = "direct" | "bare" | "portkey" | "imagegate";
export const TARGET_NAMES: TargetName[] = ["direct", "bare", "portkey", "imagegate"];
export const TARGET_LABELS: Record<TargetName, string> = {
  direct: "direct (fake)",
  bare: "bare proxy",
  portkey: "Portkey",
  imagegate: "imagegate",
};

/** The payload phase adds a baseline that stores and serves the images, as imagegate does (bench/storing-proxy.ts). */
export type PayloadTargetName = TargetName | "storing";
export const PAYLOAD_TARGET_NAMES: PayloadTargetName[] = [...TARGET_NAMES, "storing"];
export const PAYLOAD_TARGET_LABELS: Record<PayloadTargetName, string> = { ...TARGET_LABELS, storing: "storing proxy" };

export type PhaseName =
  "throughput" | "round-trips" | "two-processes" | "in-flight" | "payloads" | "hostile" | "profile" | "finance";
const PHASE_NAMES: PhaseName[] = [
  "throughput",
  "round-trips",
  "two-processes",
  "in-flight",
  "payloads",
  "hostile",
  "profile",
  "finance",
];

export type PayloadFormat = "b64" | "url";

/** How a phase copes with other work on the machine (other people's tests, a compiler). */
export interface QuietPolicy {
  /** Other processes may use this many cores during a run before it counts as disturbed. */
  maxOtherCores: number;
  /** Disturbed runs are measured again this many times; the least disturbed one is kept. */
  retries: number;
  /** Before each run, wait up to this long for the machine to be idle. */
  quietWaitSeconds: number;
}

export type InFlightMode = "steady" | "hold";

export interface InFlightOptions {
  counts: number[];
  modes: InFlightMode[];
  targets: ("imagegate" | "portkey")[];
  latencyMs: number;
  measuredSeconds: number;
  users: number;
  probesPerSecond: number;
}

export interface PayloadOptions {
  formats: PayloadFormat[];
  targets: PayloadTargetName[];
  durationSeconds: number;
  rounds: number;
  profile: boolean;
  concurrency: number;
}

export interface HostileOptions {
  seconds: number;
  concurrency: number;
  storedGenerations: number;
}

export interface Options {
  durationSeconds: number;
  rounds: number;
  warmupSeconds: number;
  concurrency: number[];
  latencyMs: number;
  users: number;
  targets: TargetName[];
  phases: Set<PhaseName>;
  roundTripCalls: number;
  floorRuns: number;
  profileConcurrency: number;
  imagegateNodeArgs: string[];
  financeSizes: number[];
  inFlight: InFlightOptions;
  payloads: PayloadOptions;
  hostile: HostileOptions;
  openFilesLimit: number;
  quick: boolean;
  build: boolean;
  keepDatabase: boolean;
  quiet: QuietPolicy;
  json: string | undefined;
  postgresUrl: string;
}

const FLAGS = {
  duration: { type: "string" },
  rounds: { type: "string" },
  warmup: { type: "string" },
  concurrency: { type: "string" },
  "latency-ms": { type: "string" },
  users: { type: "string" },
  targets: { type: "string" },
  phases: { type: "string" },
  "round-trips": { type: "string" },
  "floor-runs": { type: "string" },
  "no-two-processes": { type: "boolean" },
  profile: { type: "boolean" },
  "profile-concurrency": { type: "string" },
  "imagegate-node-args": { type: "string" },
  finance: { type: "boolean" },
  "finance-sizes": { type: "string" },
  "no-in-flight": { type: "boolean" },
  "in-flight": { type: "string" },
  "in-flight-targets": { type: "string" },
  "in-flight-latency-ms": { type: "string" },
  "in-flight-seconds": { type: "string" },
  "in-flight-modes": { type: "string" },
  "in-flight-users": { type: "string" },
  "probe-rate": { type: "string" },
  nofile: { type: "string" },
  "no-payloads": { type: "boolean" },
  "payload-formats": { type: "string" },
  "payload-targets": { type: "string" },
  "payload-duration": { type: "string" },
  "payload-rounds": { type: "string" },
  "payload-concurrency": { type: "string" },
  "payload-profile": { type: "boolean" },
  "no-hostile": { type: "boolean" },
  "hostile-seconds": { type: "string" },
  "hostile-concurrency": { type: "string" },
  "hostile-stored": { type: "string" },
  quick: { type: "boolean" },
  "no-build": { type: "boolean" },
  "keep-db": { type: "boolean" },
  "max-other-cores": { type: "string" },
  retries: { type: "string" },
  "quiet-wait": { type: "string" },
  json: { type: "string" },
  postgres: { type: "string" },
  help: { type: "boolean" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS; strict: true }>>["values"];

const number = (value: string | undefined, fallback: number, name: string): number => {
  const parsed = Number(value ?? fallback);
  if (!Number.isFinite(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative number`);
  return parsed;
};

const numbers = (value: string, name: string): number[] => value.split(",").map((n) => number(n, 0, name));

/** The listed names, each checked against the allowed ones, in the allowed ones' order. */
function names<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T[] {
  const given = (value ?? allowed.join(",")).split(",").map((entry) => entry.trim());
  for (const entry of given) {
    if (!allowed.includes(entry as T)) throw new Error(`--${name}: unknown ${entry} (one of ${allowed.join(", ")})`);
  }
  return allowed.filter((entry) => given.includes(entry));
}

export function parseOptions(): Options {
  const { values } = parseArgs({ options: FLAGS, strict: true });
  if (values.help === true) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  return {
    durationSeconds: number(values.duration ?? process.env.BENCH_DURATION, quick ? 2 : 15, "duration"),
    rounds: Math.max(1, Math.round(number(values.rounds, quick ? 1 : 5, "rounds"))),
    warmupSeconds: number(values.warmup ?? process.env.BENCH_WARMUP, quick ? 1 : 5, "warmup"),
    concurrency: numbers(values.concurrency ?? "1,32", "concurrency"),
    latencyMs: number(values["latency-ms"] ?? process.env.BENCH_LATENCY_MS, 0, "latency-ms"),
    users: Math.max(1, number(values.users, 1, "users")),
    targets: names(values.targets, TARGET_NAMES, "targets"),
    phases: phasesOf(values),
    roundTripCalls: number(values["round-trips"], quick ? 5 : 20, "round-trips"),
    floorRuns: number(values["floor-runs"], quick ? 100 : 1000, "floor-runs"),
    profileConcurrency: Math.max(1, number(values["profile-concurrency"], 32, "profile-concurrency")),
    imagegateNodeArgs: (values["imagegate-node-args"] ?? "").split(" ").filter((arg) => arg !== ""),
    financeSizes: numbers(values["finance-sizes"] ?? "1000000,10000000", "finance-sizes"),
    inFlight: inFlightOptions(values, quick),
    payloads: payloadOptions(values, quick),
    hostile: {
      seconds: number(values["hostile-seconds"], quick ? 3 : 20, "hostile-seconds"),
      concurrency: Math.max(1, number(values["hostile-concurrency"], quick ? 2 : 4, "hostile-concurrency")),
      storedGenerations: Math.max(1, number(values["hostile-stored"], quick ? 20 : 100, "hostile-stored")),
    },
    openFilesLimit: number(values.nofile, 65536, "nofile"),
    quick,
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

/** --phases, less the phases their own flags turn off, plus --profile and --finance. */
function phasesOf(values: Values): Set<PhaseName> {
  const listed = values.phases === undefined ? undefined : names(values.phases, PHASE_NAMES, "phases");
  const phases = new Set<PhaseName>(listed ?? PHASE_NAMES.filter((p) => p !== "profile" && p !== "finance"));
  if (values["no-two-processes"] === true) phases.delete("two-processes");
  if (values["no-in-flight"] === true) phases.delete("in-flight");
  if (values["no-payloads"] === true) phases.delete("payloads");
  if (values["no-hostile"] === true) phases.delete("hostile");
  if (values.profile === true) phases.add("profile");
  if (values.finance === true) phases.add("finance");
  return phases;
}

function inFlightOptions(values: Values, quick: boolean): InFlightOptions {
  return {
    counts: numbers(values["in-flight"] ?? (quick ? "200" : "1000,5000,10000"), "in-flight").filter((n) => n > 0),
    targets: names(values["in-flight-targets"], ["imagegate", "portkey"] as const, "in-flight-targets"),
    modes: names(values["in-flight-modes"], ["steady", "hold"] as const, "in-flight-modes"),
    latencyMs: number(values["in-flight-latency-ms"], quick ? 3000 : 20000, "in-flight-latency-ms"),
    measuredSeconds: number(values["in-flight-seconds"], quick ? 3 : 30, "in-flight-seconds"),
    users: Math.max(1, number(values["in-flight-users"], quick ? 10 : 100, "in-flight-users")),
    probesPerSecond: Math.max(1, number(values["probe-rate"], 20, "probe-rate")),
  };
}

function payloadOptions(values: Values, quick: boolean): PayloadOptions {
  return {
    formats: names(values["payload-formats"], ["b64", "url"] as const, "payload-formats"),
    targets: names(values["payload-targets"], PAYLOAD_TARGET_NAMES, "payload-targets"),
    durationSeconds: number(values["payload-duration"], quick ? 3 : 30, "payload-duration"),
    rounds: Math.max(1, Math.round(number(values["payload-rounds"], quick ? 1 : 3, "payload-rounds"))),
    profile: values["payload-profile"] === true,
    concurrency: Math.max(1, number(values["payload-concurrency"], 32, "payload-concurrency")),
  };
}
