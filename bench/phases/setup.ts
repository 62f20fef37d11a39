import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseMoney } from "../../src/domain/money";
import { describeCode, type BenchContext, type Report } from "../lib/context";
import { adminQuery, withDatabase } from "../lib/database";
import { setQuietPolicy } from "../lib/measure";
import { TARGET_LABELS, TARGET_NAMES, type Options, type TargetName } from "../lib/options";
import { fixed, MB, out, seconds, sleep } from "../lib/output";
import { machineDescription, memory } from "../lib/proc-stats";
import { runCommand, type Child } from "../lib/processes";
import {
  imagegateRequest,
  isGeneratedImage,
  isOpenAIImage,
  openAIRequest,
  portkeyRequest,
  sendOnce,
} from "../lib/requests";
import {
  createUsers,
  enableBenchModel,
  startBareProxy,
  startFake,
  startImagegateProcess,
  startPortkey,
} from "../lib/targets";

// Before any phase: the build, a fresh database, the fake, imagegate, Portkey and the bare proxy, users, and one
// checked request to each.

export async function setUp(options: Options, cleanups: (() => Promise<void>)[]): Promise<BenchContext> {
  setQuietPolicy(options.quiet);
  const report = await startReport(options);
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

  await sleep(1_000);
  const processes: [string, Child][] = [
    ["imagegate", imagegate.child],
    ["portkey", portkey.child],
    ["bare", bare.child],
    ["fake", fake.child],
  ];
  report.restRssMB = Object.fromEntries(processes.map(([name, child]) => [name, restRssMB(child)]));
  const rest = report.restRssMB;
  out(
    `  RSS at rest: imagegate ${rest.imagegate} MB, Portkey ${rest.portkey} MB, bare proxy ${rest.bare} MB, fake ${rest.fake} MB (under swc-node)`,
  );

  const context: BenchContext = {
    options,
    report,
    workDir,
    databaseUrl,
    databaseName,
    fake,
    imagegate,
    bare,
    portkey,
    users,
    specs: {
      direct: openAIRequest(fake.origin, fake.apiKey),
      bare: openAIRequest(bare.url, fake.apiKey),
      portkey: portkeyRequest(portkey.url, fake.apiKey, `${fake.origin}/v1`),
      imagegate: imagegateRequest(
        imagegate.url,
        users.map((u) => u.apiKey),
      ),
    },
    targetProcess: {
      direct: { name: "fake", pid: fake.child.pid },
      bare: { name: "bare", pid: bare.child.pid },
      portkey: { name: "portkey", pid: portkey.child.pid },
      imagegate: { name: "imagegate", pid: imagegate.child.pid },
    },
    perRequestMicros: 0n,
  };
  context.perRequestMicros = await checkEachTarget(context.specs);
  return context;
}

const restRssMB = (child: Child): number => Number(fixed(MB(memory(child.pid).rssBytes), 0));

async function startReport(options: Options): Promise<Report> {
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
  out("imagegate benchmark (issues 4 and 15)");
  out(`  code: ${git}`);
  out(
    `  machine: ${machine.cores} cores, ${machine.cpuModel}, ${machine.memoryGiB.toFixed(1)} GiB; node ${process.version}; PostgreSQL ${postgresVersion}; load average ${report.machine.loadAverage}`,
  );
  out(`  phases: ${[...options.phases].join(", ")}`);
  out(
    `  runs: ${options.durationSeconds} s measured per target at c=${options.concurrency.join(",")} in ${options.rounds} round(s), after ${options.warmupSeconds} s warm-up at c=32; fake provider latency ${options.latencyMs} ms; ${options.users} imagegate user(s)`,
  );
  return report;
}

/** One request to each target, checked; returns what imagegate charged for it. */
async function checkEachTarget(specs: BenchContext["specs"]): Promise<bigint> {
  out("\n[check] one request to each target");
  let perRequestMicros = 0n;
  for (const name of TARGET_NAMES) {
    const { status, body } = await sendOnce(specs[name]);
    const ok = status === 200 && (name === "imagegate" ? isGeneratedImage(body) : isOpenAIImage(body));
    if (!ok) throw new Error(`${TARGET_LABELS[name]} answered ${status}: ${body.slice(0, 500)}`);
    if (name === ("imagegate" satisfies TargetName)) {
      const cost = /"cost":"([0-9.]+)"/.exec(body)?.[1] ?? "0";
      perRequestMicros = parseMoney(cost);
      out(`  ${TARGET_LABELS[name].padEnd(14)} ${status}, ${body.length} bytes, cost ${cost}`);
    } else out(`  ${TARGET_LABELS[name].padEnd(14)} ${status}, ${body.length} bytes`);
  }
  return perRequestMicros;
}
