import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import readline from "node:readline";
import { childOutput } from "../../src/child-output";

export const ROOT = path.resolve(__dirname, "../..");

/** The output a child keeps for diagnostics (its last 64 KiB). */
const KEPT_OUTPUT_CHARS = 64 * 1024;

export interface Child {
  name: string;
  pid: number;
  process: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines it printed (stdout and stderr). */
  output(): string;
  /** SIGTERM (or `signal`), then SIGKILL after `killAfterMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<void>;
}

const running = new Set<Child>();

/** Every child still running: stopped by stopAll() on the way out, whatever happens. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Starts a long-running child with piped output; `onLine` sees each stdout line. */
export function startChild(
  name: string,
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  } satisfies SpawnOptions);
  if (child.pid === undefined) throw new Error(`${name} could not be started`);
  let output = "";
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-KEPT_OUTPUT_CHARS);
  };
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    keep(`${line}\n`);
    options.onLine?.(line);
  });
  child.stderr!.on("data", (chunk: Buffer) => keep(chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const handle: Child = {
    name,
    pid: child.pid,
    process: child,
    exited,
    output: () => output,
    async stop(signal = "SIGTERM", killAfterMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(handle);
    },
  };
  running.add(handle);
  void exited.then(() => running.delete(handle));
  return handle;
}

/** Starts a child that prints one JSON line when ready (bench/fake-openai-server.ts, bench/bare-proxy.ts). */
export async function startJsonAnnouncingChild<T>(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): Promise<{ child: Child; announced: T }> {
  let resolveAnnounced: (value: T) => void = () => undefined;
  const announcedPromise = new Promise<T>((resolve) => (resolveAnnounced = resolve));
  const child = startChild(name, command, args, {
    env,
    onLine: (line) => {
      if (line.startsWith("{")) resolveAnnounced(JSON.parse(line) as T);
    },
  });
  const announced = await raceStart(name, child, announcedPromise, timeoutMs);
  return { child, announced };
}

async function raceStart<T>(name: string, child: Child, ready: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      ready,
      child.exited.then(({ code, signal }) => {
        throw new Error(`${name} exited (${code ?? signal}) before it was ready:\n${child.output()}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${name} not ready in ${timeoutMs} ms:\n${child.output()}`)),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `url` until it answers with a status below 500. */
export async function waitForHttp(name: string, child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const ready = (async () => {
    for (;;) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await response.arrayBuffer();
        if (response.status < 500) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  await raceStart(name, child, ready, timeoutMs);
}

/** An unused TCP port on 127.0.0.1 (the OS's choice, released at once). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Runs a command to its end; rejects on a non-zero exit with its output. `onLine` sees its stdout as it comes. */
export async function runCommand(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<string> {
  const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  if (options.onLine !== undefined) readline.createInterface({ input: child.stdout }).on("line", options.onLine);
  const { exitCode, stdout, stderr } = await childOutput(child);
  if (exitCode !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${exitCode}:\n${stdout}\n${stderr}`);
  return stdout;
}
