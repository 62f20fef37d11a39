import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { BenchContext, Report } from "../lib/context";
import { summarizeProfile, type SelfTime } from "../lib/cpu-profile";
import { runLoad } from "../lib/load";
import { measure } from "../lib/measure";
import { fixed, out, table } from "../lib/output";
import { threadCpuSeconds } from "../lib/proc-stats";
import { ROOT } from "../lib/processes";
import { imagegateRequest } from "../lib/requests";
import { startImagegateProcess } from "../lib/targets";

// --profile: a third imagegate process under node --cpu-prof at --profile-concurrency, its profile summarized over
// the measured window only and kept in bench/profiles/.

export async function runProfile(context: BenchContext): Promise<void> {
  const { options } = context;
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
  printProfileSummary(summary);
  context.report.profile = { ...summary, file: path.relative(ROOT, file), phase, threads };
}

export function printProfileSummary(summary: Omit<NonNullable<Report["profile"]>, "file" | "phase" | "threads">): void {
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
}
