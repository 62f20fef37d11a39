import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import ts from "typescript";
import { createUserWithKey } from "../../src/cli/create-user";
import { createPrismaClient } from "../../src/db/client";
import { withConnection } from "../../src/db/postgres-admin";
import { freePort, ROOT, runCommand, startChild, startJsonAnnouncingChild, waitForHttp, type Child } from "./processes";
import { listeningAddresses } from "./proc-stats";

// The processes under test and their references, each started as its own process: the fake OpenAI, imagegate
// (compiled, as deployed), Portkey's gateway and the bare reverse proxy.

export type FakeMode = "placeholder" | "noise-b64" | "noise-url" | "endless-download" | "huge-json";

export interface Fake {
  child: Child;
  origin: string;
  apiKey: string;
  /** PUT <controlOrigin>/mode/<mode> changes what the fake answers. */
  controlOrigin: string;
  /** The noise PNG's size in bytes (0 when the fake has none). */
  imageBytes: number;
}

export async function startFake(
  latencyMs: number,
  mode: FakeMode = "placeholder",
  name = "fake OpenAI",
): Promise<Fake> {
  const { child, announced } = await startJsonAnnouncingChild<Omit<Fake, "child">>(
    name,
    process.execPath,
    ["-r", "@swc-node/register", "bench/fake-openai-server.ts"],
    { PATH: process.env.PATH, NODE_ENV: "production", FAKE_LATENCY_MS: String(latencyMs), FAKE_MODE: mode },
  );
  return { child, ...announced };
}

export async function setFakeMode(fake: Fake, mode: FakeMode): Promise<void> {
  const response = await fetch(`${fake.controlOrigin}/mode/${mode}`, { method: "PUT" });
  if (response.status !== 204) throw new Error(`the fake refused mode ${mode}: ${response.status}`);
}

/** Node flags and environment added to a process's own (e.g. memoryProbeArgs). */
export interface ExtraArgs {
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export async function setFakeLatency(fake: Fake, latencyMs: number): Promise<void> {
  const response = await fetch(`${fake.controlOrigin}/latency/${Math.round(latencyMs)}`, { method: "PUT" });
  if (response.status !== 204) throw new Error(`the fake refused latency ${latencyMs}: ${response.status}`);
}

/** The proxies of a few lines: bench/<name>.ts. */
export type ScriptProxy = "bare-proxy" | "storing-proxy";

/** bench/<proxy>.ts transpiled to plain JS first, so that its memory is the proxy's, not a compiler's. */
export async function startScriptProxy(
  proxy: ScriptProxy,
  upstream: string,
  workDir: string,
  extra: ExtraArgs = {},
): Promise<{ child: Child; url: string }> {
  const source = await readFile(path.join(ROOT, `bench/${proxy}.ts`), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const file = path.join(workDir, `${proxy}.js`);
  await writeFile(file, outputText);
  const env = { PATH: process.env.PATH, NODE_ENV: "production", UPSTREAM_URL: upstream, PORT: "0" };
  const { child, announced } = await startJsonAnnouncingChild<{ url: string }>(
    proxy.replace("-", " "),
    process.execPath,
    [...(extra.nodeArgs ?? []), file],
    { ...env, STORE_DIR: path.join(workDir, `${proxy}-images`), ...extra.env },
  );
  return { child, url: announced.url };
}

export const startBareProxy = (upstream: string, workDir: string, extra: ExtraArgs = {}) =>
  startScriptProxy("bare-proxy", upstream, workDir, extra);

export async function startPortkey(
  name = "Portkey",
  extra: ExtraArgs = {},
): Promise<{ child: Child; url: string; addresses: string[] }> {
  const port = await freePort();
  const child = startChild(
    name,
    process.execPath,
    [
      ...(extra.nodeArgs ?? []),
      "-r",
      path.join(ROOT, "bench/loopback-only.cjs"),
      path.join(ROOT, "node_modules/@portkey-ai/gateway/build/start-server.js"),
      "--headless",
      `--port=${port}`,
    ],
    { env: { PATH: process.env.PATH, NODE_ENV: "production", ...extra.env } },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(name, child, `${url}/`);
  const addresses = listeningAddresses(port);
  if (addresses.some((address) => !address.startsWith("127.0.0.1:"))) {
    throw new Error(`Portkey listens beyond the loopback: ${addresses.join(", ")}`);
  }
  return { child, url, addresses };
}

export interface ImagegateProcess {
  child: Child;
  url: string;
}

export async function startImagegateProcess(args: {
  name: string;
  databaseUrl: string;
  fake: Fake;
  workDir: string;
  nodeArgs?: string[];
  env?: Record<string, string>;
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
      ...args.env,
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
export async function enableBenchModel(databaseUrl: string): Promise<void> {
  await withConnection(databaseUrl, (client) =>
    client.query(`INSERT INTO model_routes (model, served_by, enabled) VALUES ('DALL_E_2', NULL, true)
                  ON CONFLICT (model) DO UPDATE SET served_by = NULL, enabled = true`),
  );
}

export interface BenchUser {
  userId: string;
  apiKey: string;
}

/** Users with a large credit and an API key each, through the compiled CLI (as an operator would), four at a time. */
export async function createUsers(databaseUrl: string, prefix: string, count: number): Promise<BenchUser[]> {
  const createOne = async (i: number) => {
    const args = ["dist/cli/main.js", "create-user", "--email", `${prefix}-${i}@bench.example`, "--role", "MEMBER"];
    const stdout = await runCommand(process.execPath, [...args, "--credits", "10000000"], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    });
    return JSON.parse(stdout.trim().split("\n").pop()!) as BenchUser;
  };
  const users: BenchUser[] = [];
  for (let first = 1; first <= count; first += 4) {
    const batch = Array.from({ length: Math.min(4, count - first + 1) }, (_, i) => createOne(first + i));
    users.push(...(await Promise.all(batch)));
  }
  return users;
}

/** Many users at once, through the CLI's own function in this process (a CLI process each would take a minute). */
export async function createManyUsers(databaseUrl: string, prefix: string, count: number): Promise<BenchUser[]> {
  const db = createPrismaClient(databaseUrl, { maxConnections: 4 });
  try {
    const users: BenchUser[] = [];
    for (let i = 1; i <= count; i++) {
      const email = `${prefix}-${i}@bench.example`;
      users.push(await createUserWithKey(db, { email, role: "MEMBER", credits: "10000000" }));
    }
    return users;
  } finally {
    await db.$disconnect();
  }
}

/** process.memoryUsage() figures, in bytes. */
export interface MemoryFigures {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** What bench/lib/process-probe.cjs reports, for the time since its last report. */
export interface ProcessProbeReport {
  now: MemoryFigures;
  peak: MemoryFigures;
  /** After a full garbage collection: what is alive. */
  live: MemoryFigures | undefined;
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Garbage collections (pauses of the main thread): all, and the major ones (mark-compact). */
  gcPauses: { count: number; totalMs: number; maxMs: number; major: number; majorMs: number; majorMaxMs: number };
}

/** Node flags and environment that load bench/lib/process-probe.cjs into a process, reporting to `file`. */
export function processProbeArgs(file: string): { nodeArgs: string[]; env: Record<string, string> } {
  return {
    nodeArgs: ["--expose-gc", "-r", path.join(ROOT, "bench/lib/process-probe.cjs")],
    env: { PROCESS_PROBE_FILE: file },
  };
}

/** Asks a process started with processProbeArgs for its figures (and starts its next period). */
export async function probeProcess(pid: number, file: string, timeoutMs = 30_000): Promise<ProcessProbeReport> {
  const lines = async () =>
    (await readFile(file, "utf8").catch(() => "")).split("\n").filter((line) => line.startsWith("{"));
  const before = (await lines()).length;
  process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await lines();
    if (all.length > before) return JSON.parse(all[all.length - 1]!) as ProcessProbeReport;
    if (Date.now() > deadline) throw new Error(`no figures from pid ${pid}'s probe in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
