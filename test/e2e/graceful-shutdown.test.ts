import http from "node:http";
import net from "node:net";
import { text } from "node:stream/consumers";
import { print } from "graphql";
import { GenerateImageDocument } from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { executeOperation } from "../support/graphql-client";
import { eventually } from "../support/eventually";
import { startServerProcess, type ServerProcess } from "../support/server-process";

// SIGTERM: stop accepting, let generations in flight finish up to SHUTDOWN_GRACE_SECONDS, release the holds of the
// rest (INTERRUPTED, nothing charged), exit 0.

const DALL_E_2 = { prompt: "a harbour", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016

let env: TestEnvironment;
const processes: ServerProcess[] = [];
beforeAll(async () => {
  env = await startEnvironment({ HOLD_SWEEP_INTERVAL_SECONDS: "3600" });
});
afterAll(async () => {
  await Promise.all(processes.map((server) => server.stop()));
  await env.close();
});
beforeEach(() => env.openai.reset());

async function serverProcess(graceSeconds: number): Promise<ServerProcess> {
  const server = await startServerProcess({
    DATABASE_URL: env.server.databaseUrl,
    OPENAI_API_KEY: env.openai.apiKey,
    OPENAI_BASE_URL: env.openai.baseURL,
    SHUTDOWN_GRACE_SECONDS: String(graceSeconds),
    HOLD_SWEEP_INTERVAL_SECONDS: "3600",
  });
  processes.push(server);
  return server;
}

/** Starts a generation on `server`; resolves once the provider has it, to the request's outcome (still pending). */
async function generationInFlight(server: ServerProcess, apiKey: string) {
  const before = env.openai.generationRequests().length;
  const request = executeOperation(server.url, GenerateImageDocument, { input: DALL_E_2 }, apiKey).then(
    (response) => ({ response }),
    (error: unknown) => ({ error }),
  );
  await eventually(async () => env.openai.generationRequests().length > before, 10_000, "the provider call");
  return { request };
}

function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

const messages = (server: ServerProcess) => server.logs.map((line) => line.msg);

it("finishes a generation in flight within the grace period, charges it, refuses new connections, exits 0", async () => {
  const user = await env.server.createUser("MEMBER", "1.00");
  const server = await serverProcess(5);
  env.openai.script({ kind: "delay", ms: 1_500 });
  const { request } = await generationInFlight(server, user.apiKey);

  const signalledMs = Date.now();
  server.child.kill("SIGTERM");
  await eventually(() => connectionRefused(server.url), 1_000, "new connections refused");

  const outcome = await request;
  expect(outcome).toHaveProperty("response.data.generateImage.status", "SUCCEEDED");
  expect(outcome).toHaveProperty("response.data.generateImage.cost", "0.016000");
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(Date.now() - signalledMs).toBeLessThan(5_000);

  expect(await accountOf(env.server, user.userId)).toEqual({
    balanceMicros: 984_000n,
    reservedMicros: 0n,
    openHolds: 0,
  });
  expect(await env.server.db.ledgerEntry.count({ where: { userId: user.userId, kind: "CHARGE" } })).toBe(1);
  expect(messages(server)).toEqual(
    expect.arrayContaining([
      "shutting down: no longer accepting connections",
      "shutdown: no generation in flight",
      "shutdown: HTTP server closed, workers stopped",
      "stopped",
    ]),
  );
}, 60_000);

it("answers SERVICE_UNAVAILABLE, holding nothing, to a request whose body arrives after the signal", async () => {
  const user = await env.server.createUser("MEMBER", "1.00");
  const server = await serverProcess(5);
  env.openai.script({ kind: "delay", ms: 1_500 });
  const { request } = await generationInFlight(server, user.apiKey);
  // A second request on a connection of its own: its headers reach the server now, its body after the signal.
  const body = JSON.stringify({ query: print(GenerateImageDocument), variables: { input: DALL_E_2 } });
  const late = http.request(`${server.url}/graphql`, {
    method: "POST",
    agent: false,
    headers: {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      authorization: `Bearer ${user.apiKey}`,
    },
  });
  const lateAnswer = new Promise<string>((resolve, reject) => {
    late.on("response", (response) => void text(response).then(resolve, reject));
    late.on("error", reject);
  });
  const connected = new Promise((resolve) => late.on("socket", (socket) => socket.once("connect", resolve)));
  late.flushHeaders();
  await connected;
  await new Promise((resolve) => setTimeout(resolve, 200)); // the headers read: a request in progress

  server.child.kill("SIGTERM");
  await eventually(() => connectionRefused(server.url), 1_000, "new connections refused");
  late.end(body);

  expect(JSON.parse(await lateAnswer)).toMatchObject({ errors: [{ extensions: { code: "SERVICE_UNAVAILABLE" } }] });
  expect(await request).toHaveProperty("response.data.generateImage.status", "SUCCEEDED");
  expect(await server.exited).toEqual({ code: 0, signal: null });
  expect(env.openai.generationRequests()).toHaveLength(1);
  expect(await env.server.db.imageGeneration.count({ where: { userId: user.userId } })).toBe(1);
  expect(await accountOf(env.server, user.userId)).toEqual({
    balanceMicros: 984_000n,
    reservedMicros: 0n,
    openHolds: 0,
  });
  expect(messages(server)).toContain("shutdown: no generation in flight");
}, 60_000);

it("interrupts a generation that outlives the grace period: hold released, nothing charged, exit 0 in time", async () => {
  const user = await env.server.createUser("MEMBER", "1.00");
  const server = await serverProcess(2);
  env.openai.script("hang");
  const { request } = await generationInFlight(server, user.apiKey);
  expect(await accountOf(env.server, user.userId)).toMatchObject({ reservedMicros: 16_000n, openHolds: 1 });

  const signalledMs = Date.now();
  server.child.kill("SIGTERM");
  expect(await server.exited).toEqual({ code: 0, signal: null });
  const elapsedMs = Date.now() - signalledMs;
  expect(elapsedMs).toBeGreaterThanOrEqual(2_000);
  expect(elapsedMs).toBeLessThan(2_000 + 3_000);

  // The client's connection is cut at exit; its request was never charged.
  expect(await request).toHaveProperty("error");
  expect(await accountOf(env.server, user.userId)).toEqual({
    balanceMicros: 1_000_000n,
    reservedMicros: 0n,
    openHolds: 0,
  });
  expect(await env.server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } })).toMatchObject({
    status: "FAILED",
    errorCode: "INTERRUPTED",
  });
  expect(await env.server.db.ledgerEntry.count({ where: { userId: user.userId, kind: "CHARGE" } })).toBe(0);
  expect(
    server.logs.find((line) => line.msg === "shutdown: released the holds of interrupted generations"),
  ).toMatchObject({ released: 1 });
  expect(messages(server)).toContain("shutdown: grace period over; interrupting generations in flight");
}, 60_000);

it("a second signal during the grace period exits at once, saying so", async () => {
  const user = await env.server.createUser("MEMBER", "1.00");
  const server = await serverProcess(30);
  env.openai.script("hang");
  const { request } = await generationInFlight(server, user.apiKey);

  server.child.kill("SIGTERM");
  await eventually(
    async () => messages(server).includes("shutting down: no longer accepting connections"),
    5_000,
    "the first signal",
  );
  const signalledMs = Date.now();
  server.child.kill("SIGINT");
  expect(await server.exited).toEqual({ code: 1, signal: null });
  expect(Date.now() - signalledMs).toBeLessThan(2_000);
  expect(messages(server)).toContain("second signal during shutdown: exiting now; open holds will expire");
  expect(await request).toHaveProperty("error");
  // The hold is left to expire (another process's sweeper releases it); until then it is consistently held.
  expect(await accountOf(env.server, user.userId)).toMatchObject({ reservedMicros: 16_000n, openHolds: 1 });
}, 60_000);
