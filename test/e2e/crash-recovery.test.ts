import { verifyLedger } from "../../src/domain/ledger/verify-ledger";
import { GenerateImageDocument } from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { executeOperation } from "../support/graphql-client";
import { eventually } from "../support/eventually";
import { startServerProcess, type ServerProcess } from "../support/server-process";

// A server killed with SIGKILL mid-generation loses no credit: once the hold expires, any server process's sweeper
// releases it, and balance and reserved are as if the request had never been made.

const DALL_E_2 = { prompt: "a lighthouse", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016

let env: TestEnvironment;
const processes: ServerProcess[] = [];
beforeAll(async () => {
  // The in-process server only provides the database here; its own sweeper must not be the one that releases.
  env = await startEnvironment({ HOLD_SWEEP_INTERVAL_SECONDS: "3600" });
});
afterAll(async () => {
  await Promise.all(processes.map((server) => server.stop()));
  await env.close();
});

async function serverProcess(extra: Record<string, string>): Promise<ServerProcess> {
  const server = await startServerProcess({
    DATABASE_URL: env.server.databaseUrl,
    OPENAI_API_KEY: env.openai.apiKey,
    OPENAI_BASE_URL: env.openai.baseURL,
    ...extra,
  });
  processes.push(server);
  return server;
}

it("SIGKILL mid-generation, then expiry: another process's sweeper releases the hold; nothing is lost", async () => {
  const user = await env.server.createUser("MEMBER", "1.00");
  const before = await accountOf(env.server, user.userId);
  const doomed = await serverProcess({ HOLD_TTL_SECONDS: "2", HOLD_SWEEP_INTERVAL_SECONDS: "3600" });
  env.openai.setDefault("hang");

  const request = executeOperation(doomed.url, GenerateImageDocument, { input: DALL_E_2 }, user.apiKey).then(
    (response) => ({ response }),
    (error: unknown) => ({ error }),
  );
  await eventually(async () => env.openai.generationRequests().length === 1, 10_000, "the provider call");
  expect(await doomed.stop("SIGKILL")).toBeNull();
  expect(await doomed.exited).toEqual({ code: null, signal: "SIGKILL" });
  expect(await request).toHaveProperty("error"); // the connection died with the process

  // Right after the crash the credit is still held, by a generation nobody will finish.
  expect(await accountOf(env.server, user.userId)).toEqual({ ...before, reservedMicros: 16_000n, openHolds: 1 });
  const generation = await env.server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
  expect(generation.status).toBe("PENDING");

  const survivor = await serverProcess({ HOLD_SWEEP_INTERVAL_SECONDS: "1" });
  await eventually(async () => (await accountOf(env.server, user.userId)).openHolds === 0, 15_000, "the sweep");

  expect(await accountOf(env.server, user.userId)).toEqual(before);
  expect(await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id: generation.id } })).toMatchObject({
    status: "FAILED",
    errorCode: "INTERRUPTED",
    costMicros: 0n,
  });
  expect(await env.server.db.ledgerEntry.count({ where: { userId: user.userId, kind: "CHARGE" } })).toBe(0);
  const released = survivor.logs.find((line) => line.msg === "released expired holds");
  expect(released).toMatchObject({ released: 1, generationIds: [generation.id] });
  expect((await verifyLedger(env.server.db)).ok).toBe(true);
}, 60_000);
