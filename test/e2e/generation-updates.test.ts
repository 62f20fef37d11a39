import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { PostgresGenerationUpdates } from "../../src/live/postgres-generation-channel";
import { GenerationUpdatedDocument } from "../generated/graphql";
import { eventually } from "../support/eventually";
import {
  announceFirstPartial,
  fail,
  partial,
  partialBytes,
  pendingGeneration,
  silentLogger,
  succeed,
} from "../support/live-generations";
import { startTestServer, type TestServer } from "../support/test-server";
import { connectWs, subscribe, type WsSession } from "../support/ws-client";

// generationUpdated over graphql-ws against a real server and PostgreSQL. What another process's generation flow
// announces is announced here through the same GenerationUpdates implementation, on a database client of its own.

let server: TestServer;
let publisherDb: Db;
let updates: PostgresGenerationUpdates;
const sessions: WsSession[] = [];
beforeAll(async () => {
  server = await startTestServer({ WS_MAX_CONNECTIONS_PER_KEY: "2", WS_MAX_CONNECTIONS: "6" });
  publisherDb = createPrismaClient(server.databaseUrl);
  updates = new PostgresGenerationUpdates(publisherDb, silentLogger);
});
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.dispose()));
  await eventually(() => server.app.liveConnections.size === 0, 5_000, "every socket closed");
});
afterAll(async () => {
  await publisherDb.$disconnect();
  await server.close();
});

function connect(apiKey: string | undefined, headers?: Record<string, string>): WsSession {
  const session = connectWs(server.url, apiKey, headers);
  sessions.push(session);
  return session;
}

const b64 = (index: number, partialIndex: number) => partialBytes(index, partialIndex).toString("base64");

it("sends the stored state, each partial image in order, then the final state, and completes", async () => {
  const owner = await server.createUser("MEMBER", "1");
  const id = await pendingGeneration(server.db, owner.userId);
  const subscription = subscribe(connect(owner.apiKey), GenerationUpdatedDocument, { id });
  expect((await subscription.received(1))[0]!.generationUpdated).toMatchObject({
    generation: { id, status: "PENDING", images: [] },
    partialImage: null,
  });

  await announceFirstPartial(updates, id, subscription);
  await updates.partialImage(id, partial(0, 1));
  await updates.partialImage(id, partial(1, 0));
  await updates.partialImage(id, partial(0, 2));
  await subscription.received(5);
  await succeed(server.db, id);
  await updates.changed(id);

  expect(await subscription.ended).toEqual({ completed: true });
  const events = subscription.events.map((event) => event.generationUpdated);
  expect(events.map((event) => [event.generation.status, event.partialImage])).toEqual([
    ["PENDING", null],
    ["PENDING", { index: 0, partialIndex: 0, b64Json: b64(0, 0) }],
    ["PENDING", { index: 0, partialIndex: 1, b64Json: b64(0, 1) }],
    ["PENDING", { index: 1, partialIndex: 0, b64Json: b64(1, 0) }],
    ["PENDING", { index: 0, partialIndex: 2, b64Json: b64(0, 2) }],
    ["SUCCEEDED", null],
  ]);
  expect(events[5]!.generation).toMatchObject({ cost: "0.016000", images: [{ index: 0 }] });
});

it("a generation final already: its state once, then complete", async () => {
  const owner = await server.createUser("MEMBER", "1");
  const id = await pendingGeneration(server.db, owner.userId);
  await fail(server.db, id);
  const subscription = subscribe(connect(owner.apiKey), GenerationUpdatedDocument, { id });
  expect(await subscription.ended).toEqual({ completed: true });
  expect(subscription.events.map((event) => event.generationUpdated.generation)).toMatchObject([
    { id, status: "FAILED", errorCode: "UPSTREAM_ERROR" },
  ]);
});

it("a failure heard while watching is the final state", async () => {
  const owner = await server.createUser("MEMBER", "1");
  const id = await pendingGeneration(server.db, owner.userId);
  const subscription = subscribe(connect(owner.apiKey), GenerationUpdatedDocument, { id });
  await subscription.received(1);
  await fail(server.db, id);
  await updates.changed(id);
  expect(await subscription.ended).toEqual({ completed: true });
  expect(subscription.events.map((event) => event.generationUpdated.generation.status)).toEqual(["PENDING", "FAILED"]);
});

it("another member's generation is NOT_FOUND, as generation(id) has it; FINANCE and ADMIN see anyone's", async () => {
  const owner = await server.createUser("MEMBER", "1");
  const other = await server.createUser("MEMBER", "1");
  const finance = await server.createUser("FINANCE");
  const admin = await server.createUser("ADMIN");
  const id = await pendingGeneration(server.db, owner.userId);

  const refused = subscribe(connect(other.apiKey, { "x-request-id": "ws-test-1" }), GenerationUpdatedDocument, { id });
  expect(await refused.ended).toEqual({
    errors: [expect.objectContaining({ extensions: { code: "NOT_FOUND", requestId: "ws-test-1" } })],
  });
  expect(refused.events).toEqual([]);
  const unknown = subscribe(connect(owner.apiKey), GenerationUpdatedDocument, { id: "not-a-uuid" });
  expect(await unknown.ended).toEqual({
    errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: "NOT_FOUND" }) })],
  });

  for (const reader of [finance, admin]) {
    const watching = subscribe(connect(reader.apiKey), GenerationUpdatedDocument, { id });
    expect((await watching.received(1))[0]!.generationUpdated.generation).toMatchObject({ id, status: "PENDING" });
  }
  await fail(server.db, id);
});

it("a socket without a key, or with an unknown one, is closed 4401 and runs nothing", async () => {
  for (const key of [undefined, "igk_unknown"]) {
    const session = connect(key);
    expect(await session.closed).toEqual({ code: 4401, reason: expect.stringContaining("valid API key") });
  }
});

it("a socket whose key is revoked is closed 4403, its subscription with it", async () => {
  const owner = await server.createUser("MEMBER", "1");
  const id = await pendingGeneration(server.db, owner.userId);
  const session = connect(owner.apiKey);
  const subscription = subscribe(session, GenerationUpdatedDocument, { id });
  await subscription.received(1);
  await server.db.apiKey.updateMany({ where: { userId: owner.userId }, data: { revokedAt: new Date() } });
  expect(await session.closed).toEqual({ code: 4403, reason: expect.stringContaining("revoked") });
  expect(await subscription.ended).toEqual({ closed: expect.objectContaining({ code: 4403 }) });
  await fail(server.db, id);
});

it("bounds connections per key (2 here) and in all (6 here): past them, 4429", async () => {
  const users = await Promise.all([1, 2, 3, 4].map(() => server.createUser("MEMBER", "1")));
  const [first, second] = [connect(users[0]!.apiKey), connect(users[0]!.apiKey)];
  await Promise.all([first.acknowledged, second.acknowledged]);
  const third = connect(users[0]!.apiKey);
  expect(await third.closed).toEqual({ code: 4429, reason: expect.stringContaining("this API key") });

  const others = [1, 1, 2, 2].map((i) => connect(users[i]!.apiKey));
  await Promise.all(others.map((session) => session.acknowledged));
  const seventh = connect(users[3]!.apiKey);
  expect(await seventh.closed).toEqual({ code: 4429, reason: expect.stringContaining("Too many open WebSocket") });

  // A closed socket frees its place.
  await first.dispose();
  await eventually(() => server.app.liveConnections.size === 5, 5_000, "the first socket closed");
  await connect(users[0]!.apiKey).acknowledged;
});

it("serves only subscriptions: a query over the socket is BAD_REQUEST, with the request id", async () => {
  const owner = await server.createUser("MEMBER", "1");
  const session = connect(owner.apiKey, { "x-request-id": "ws-test-2" });
  const outcome = await new Promise((resolve) =>
    session.client.subscribe({ query: "{ me { id } }" }, { next: resolve, error: resolve, complete: () => undefined }),
  );
  expect(outcome).toEqual([expect.objectContaining({ extensions: { code: "BAD_REQUEST", requestId: "ws-test-2" } })]);
});

it("over HTTP, the subscription is refused as BAD_REQUEST, pointing at graphql-ws", async () => {
  const owner = await server.createUser("MEMBER", "1");
  const id = await pendingGeneration(server.db, owner.userId);
  const response = await server.graphql(GenerationUpdatedDocument, { id }, owner.apiKey);
  expect(response.errors).toEqual([
    expect.objectContaining({
      message: expect.stringContaining("graphql-ws"),
      extensions: expect.objectContaining({ code: "BAD_REQUEST" }),
    }),
  ]);
  await fail(server.db, id);
});
