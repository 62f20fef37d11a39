// Issue 15: how long imagegate takes to start, from spawning `npm start` to GET /readyz answering 200. Run by hand:
//   node -r @swc-node/register bench/start-time.ts [--runs 5] [--before]
// It runs dist/ (built by `npm install`; after changing src/, `npm run build`) and needs the machine's PostgreSQL on
// 127.0.0.1:5432. Set-ups: DATABASE_URL (a fresh database; the first start applies the migrations) and the embedded
// PostgreSQL (a fresh data folder; the first start creates the cluster). Each first start is shown apart, the later
// ones are the figure. `node dist/main.js` without npm shows npm's share; --before measures the old start command
// (`npm run build && node dist/main.js`) once. Wall time depends on what else the machine runs: the CPU time of the
// start's processes and the machine's busy cores are printed beside it (on a shared machine, `nice -n -10` as root
// brings the wall time closer to what an idle one would show).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { freePort, ROOT, startChild } from "./lib/processes";
import { machineCpuSeconds } from "./lib/proc-stats";

const BUDGET_MS = 3_000;
const MACHINE_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres";
const DATABASE = "imagegate_bench_start_time";
/** USER_HZ, the unit of /proc/<pid>/stat times: 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

interface Start {
  wallMs: number;
  /** CPU seconds of the started process tree (npm, node, the migration child, an embedded PostgreSQL). */
  cpuSeconds: number;
  /** Busy cores of the whole machine during the start. */
  machineBusyCores: number;
}

interface Setup {
  name: string;
  /** Its first start creates what later ones reuse (migrations applied, the embedded cluster): shown apart. */
  firstPrepares: boolean;
  command: [string, ...string[]];
  env: NodeJS.ProcessEnv;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, before: { type: "boolean" } } });
  const runs = Number(values.runs);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-start-time-"));
  await chmod(dataDir, 0o755); // as root, PostgreSQL runs as \`postgres\`, which must reach the data folder
  await recreateDatabase();
  const external = { DATABASE_URL: MACHINE_POSTGRES.replace(/\/postgres$/, `/${DATABASE}`) };
  const embedded = { DATA_DIR: path.join(dataDir, "data") };
  const npmStart: [string, ...string[]] = ["npm", "start"];
  const nodeMain: [string, ...string[]] = [process.execPath, "dist/main.js"];
  const setups: Setup[] = [
    { name: "npm start, DATABASE_URL", firstPrepares: true, command: npmStart, env: external },
    { name: "npm start, embedded PostgreSQL", firstPrepares: true, command: npmStart, env: embedded },
    { name: "node dist/main.js, DATABASE_URL", firstPrepares: false, command: nodeMain, env: external },
    { name: "node dist/main.js, embedded PostgreSQL", firstPrepares: false, command: nodeMain, env: embedded },
  ];
  process.stdout.write(`imagegate start time: spawn to GET /readyz 200, ${runs} runs after a first one; `);
  process.stdout.write(`${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)} before\n\n`);
  try {
    if (values.before === true) {
      // exec: so that stopping the shell stops the server too (the old command left it running, with our pipes).
      const command: Setup["command"] = ["sh", "-c", "npm run build && exec node dist/main.js"];
      const name = "before: npm run build && node dist/main.js, DATABASE_URL";
      report(name, [await measure({ name, firstPrepares: false, command, env: external })]);
    }
    for (const setup of setups.filter((each) => each.firstPrepares)) {
      report(`${setup.name} (first start)`, [await measure(setup)]);
    }
    // In turn, run by run: a machine whose load drifts slows every set-up alike.
    const starts = setups.map(() => [] as Start[]);
    for (let run = 0; run < runs; run++) {
      for (const [index, setup] of setups.entries()) starts[index]!.push(await measure(setup));
    }
    setups.forEach((setup, index) => report(setup.name, starts[index]!));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
    await withMachinePostgres((client) => client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`));
  }
}

/** Starts the setup's command, waits for /readyz to answer 200, then stops it with SIGTERM (not measured). */
async function measure(setup: Setup): Promise<Start> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...setup.env,
    HOST: "127.0.0.1",
    PORT: `${port}`,
    LOG_LEVEL: "warn",
  };
  if (setup.env.DATABASE_URL === undefined) delete env.DATABASE_URL;
  const machineBefore = machineCpuSeconds();
  const startedMs = performance.now();
  const child = startChild(setup.name, setup.command[0], setup.command.slice(1), { env });
  try {
    await readyz(`http://127.0.0.1:${port}/readyz`, child.exited);
    const wallMs = performance.now() - startedMs;
    const cpuSeconds = treeCpuSeconds(child.pid);
    const busy = (machineCpuSeconds().busy - machineBefore.busy) / (wallMs / 1000);
    return { wallMs, cpuSeconds, machineBusyCores: busy };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${setup.name}: ${reason}\n${child.output()}`, { cause: error });
  } finally {
    await child.stop("SIGTERM", 30_000);
  }
}

/** Polls every 10 ms until `url` answers 200; rejects if the process exits first or after 120 s. */
async function readyz(url: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadlineMs = performance.now() + 120_000;
  while (performance.now() < deadlineMs) {
    if (gone) throw new Error("exited before it was ready");
    const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      async (response) => (await response.arrayBuffer(), response.status),
      () => 0,
    );
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("not ready after 120 s");
}

/** utime + stime of `pid` and its descendants, plus what their exited children used (cutime + cstime). */
function treeCpuSeconds(rootPid: number): number {
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, "utf8");
      stats.set(Number(entry), text.slice(text.lastIndexOf(")") + 2).split(" "));
    } catch {
      // exited meanwhile
    }
  }
  const inTree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, fields] of stats) {
      if (inTree.has(pid) || !inTree.has(Number(fields[1]))) continue;
      inTree.add(pid);
      grew = true;
    }
  }
  // proc(5), after the state: ppid [1], utime [11], stime [12], cutime [13], cstime [14].
  const ticks = [...inTree]
    .map((pid) => stats.get(pid) ?? [])
    .flatMap((fields) => [11, 12, 13, 14].map((i) => Number(fields[i] ?? 0)));
  return ticks.reduce((sum, value) => sum + value, 0) / CLOCK_TICKS_PER_SECOND;
}

function report(name: string, starts: Start[]): void {
  const walls = starts.map((start) => start.wallMs).sort((a, b) => a - b);
  const medianMs = walls[Math.floor(walls.length / 2)]!;
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const cpu = median(starts.map((start) => start.cpuSeconds));
  const busy = median(starts.map((start) => start.machineBusyCores));
  const range = walls.length > 1 ? ` (${fmt(walls[0]!)}-${fmt(walls.at(-1)!)})` : "";
  process.stdout.write(
    `${name.padEnd(56)} ${fmt(medianMs).padStart(7)}${range.padEnd(18)} = ${(medianMs / BUDGET_MS).toFixed(2)} x the 3 s ` +
      `budget; CPU ${cpu.toFixed(2)} s; machine busy ${busy.toFixed(1)} cores\n`,
  );
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function recreateDatabase(): Promise<void> {
  await withMachinePostgres(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${DATABASE}`);
  });
}

async function withMachinePostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: MACHINE_POSTGRES });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

process.chdir(ROOT);
main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
