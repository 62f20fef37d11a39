import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { startFakeOpenAIModels, type FakeOpenAIModels } from "../fakes/openai-models-fake";
import { dayAfter, daysAfter, insertRequest, noticeRows, shutdownRows } from "../models/model-list-fixtures";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { startServerProcess, type ServerProcess } from "../support/server-process";
import { startWebhookReceiver, verifyImagegateSignature, type WebhookReceiver } from "../support/webhook-receiver";

const SECRET = "whsec-model-list-processes-41d7";

jest.setTimeout(90_000);

describe("the model-list watch in two server processes on one database", () => {
  let database: TestDatabase;
  let db: Db;
  let fake: FakeOpenAIModels;
  let receiver: WebhookReceiver;
  let processes: ServerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createPrismaClient(database.databaseUrl);
    fake = await startFakeOpenAIModels();
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await Promise.all(processes.map((server) => server.stop()));
    await receiver.close();
    await fake.close();
    await db.$disconnect();
    await database.drop();
  });

  it("reads the list once, records the date and sends one signed notice", async () => {
    const now = new Date();
    const shutdownDate = dayAfter(now, 60);
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(now, -2) });
    fake.setModels([
      { id: "gpt-image-2", shutdown_date: shutdownDate },
      { id: "gpt-image-2.5-flare", shutdown_date: null },
    ]);
    const env = {
      DATABASE_URL: database.databaseUrl,
      OPENAI_API_KEY: fake.apiKey,
      OPENAI_BASE_URL: fake.baseURL,
      BUDGET_ALERT_WEBHOOK_URL: receiver.url,
      BUDGET_ALERT_WEBHOOK_SECRET: SECRET,
    };

    processes = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    const delivered = async () => (await noticeRows(db)).some((notice) => notice.deliveredAt !== null);
    await eventually(delivered, 60_000, "the notice delivered");
    // A graceful stop waits for each process's pass in flight: whatever they would send has been sent.
    expect(await Promise.all(processes.map((server) => server.stop()))).toEqual([0, 0]);

    expect(fake.listRequests()).toHaveLength(1);
    expect(await shutdownRows(db)).toEqual([expect.objectContaining({ model: "GPT_IMAGE_2", shutdownDate })]);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(verifyImagegateSignature(request, SECRET)).toBe(true);
    expect(request.body).toMatchObject({
      event: "model.shutdown_announced",
      model: "GPT_IMAGE_2",
      shutdownDate,
      requestsLast30Days: 1,
    });
    expect(await noticeRows(db)).toEqual([expect.objectContaining({ attempts: 1, lastError: null })]);

    const logs = processes.flatMap((server) => server.logs);
    expect(logs.filter((entry) => entry.msg === "model list watch started")).toHaveLength(2);
    expect(logs.filter((entry) => entry.msg === "model list read")).toHaveLength(1);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
  });
});
