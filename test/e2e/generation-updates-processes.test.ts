import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { GenerationFanout } from "../../src/domain/generation/generation-fanout";
import type { GenerationUpdates } from "../../src/domain/generation/generation-updates";
import { PostgresGenerationUpdates } from "../../src/live/postgres-generation-channel";
import { openRedisGenerationChannel } from "../../src/live/redis-generation-channel";
import { GenerationUpdatedDocument } from "../generated/graphql";
import {
  announceFirstPartial,
  partial,
  partialBytes,
  pendingGeneration,
  silentLogger,
  succeed,
} from "../support/live-generations";
import { startServerProcess, type ServerProcess } from "../support/server-process";
import { startTestServer, type TestServer } from "../support/test-server";
import { connectWs, subscribe } from "../support/ws-client";

const REDIS_URL = "redis://127.0.0.1:6379";

// Process A runs the generation (here: this test process, announcing through the same GenerationUpdates as the flow
// would); process B (a server process of its own, on the same database) serves the subscription. Through PostgreSQL
// and, with REDIS_URL, through Redis. Then B gets SIGTERM with the socket open.
describe.each([
  { transport: "PostgreSQL", env: {} as Record<string, string> },
  { transport: "Redis", env: { REDIS_URL } as Record<string, string> },
])("a subscription on one process hears a generation running on another, through $transport", ({ env }) => {
  let database: TestServer;
  let processB: ServerProcess;
  let publisherDb: Db;
  let updates: GenerationUpdates;
  let closePublisher: () => Promise<void>;
  beforeAll(async () => {
    database = await startTestServer();
    processB = await startServerProcess({ DATABASE_URL: database.databaseUrl, ...env });
    publisherDb = createPrismaClient(database.databaseUrl);
    if (env.REDIS_URL === undefined) {
      updates = new PostgresGenerationUpdates(publisherDb, silentLogger);
      closePublisher = async () => undefined;
    } else {
      const channel = openRedisGenerationChannel({
        redisUrl: env.REDIS_URL,
        fanout: new GenerationFanout(silentLogger),
        logger: silentLogger,
      });
      updates = channel.updates;
      closePublisher = () => channel.close();
    }
  }, 60_000);
  afterAll(async () => {
    await processB.stop();
    await closePublisher();
    await publisherDb.$disconnect();
    await database.close();
  });

  it("receives the partial images in order and the final state; SIGTERM then closes its socket with 1001", async () => {
    const owner = await database.createUser("MEMBER", "1");
    const id = await pendingGeneration(database.db, owner.userId);
    const session = connectWs(processB.url, owner.apiKey);
    const subscription = subscribe(session, GenerationUpdatedDocument, { id });
    await subscription.received(1);

    await announceFirstPartial(updates, id, subscription);
    await updates.partialImage(id, partial(0, 1));
    await updates.partialImage(id, partial(0, 2));
    await subscription.received(4);
    await succeed(database.db, id);
    await updates.changed(id);

    expect(await subscription.ended).toEqual({ completed: true });
    expect(
      subscription.events.map(({ generationUpdated: { generation, partialImage } }) => [
        generation.status,
        partialImage && [partialImage.index, partialImage.partialIndex, partialImage.b64Json],
      ]),
    ).toEqual([
      ["PENDING", null],
      ["PENDING", [0, 0, partialBytes(0, 0).toString("base64")]],
      ["PENDING", [0, 1, partialBytes(0, 1).toString("base64")]],
      ["PENDING", [0, 2, partialBytes(0, 2).toString("base64")]],
      ["SUCCEEDED", null],
    ]);

    // The socket stays open after the subscription completed; a shutdown tells it to go elsewhere.
    expect(await processB.stop("SIGTERM")).toBe(0);
    expect(await session.closed).toEqual({ code: 1001, reason: expect.stringContaining("shutting down") });
    expect(processB.logs).toContainEqual(
      expect.objectContaining({ msg: "request", transport: "websocket", closeCode: 1001, principalId: owner.userId }),
    );
  });
});
