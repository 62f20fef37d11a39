import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import {
  startModelListWatch,
  type ModelListWatch,
  type ModelListWatchOptions,
} from "../../src/domain/models/model-list-watch";
import { announcedShutdowns, MAX_LIST_ENTRIES } from "../../src/domain/models/shutdown-recording";
import { createOpenAIModelListSource } from "../../src/providers/openai-models";
import { recordingLogger } from "../support/budget-alerts";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { startWebhookReceiver, verifyImagegateSignature, type WebhookReceiver } from "../support/webhook-receiver";
import { startFakeOpenAIModels, type FakeOpenAIModels } from "../fakes/openai-models-fake";
import { dayAfter, daysAfter, insertRequest, noticeRows, resetModelTables, shutdownRows } from "./model-list-fixtures";

const SECRET = "whsec-models-9c2e51";
const T0 = new Date("2027-01-10T09:00:00Z");
const HOUR_MS = 3_600_000;

let database: TestDatabase;
let db: Db;
let otherDb: Db;
let fake: FakeOpenAIModels;
let receiver: WebhookReceiver;
let clock: Date;
let log: ReturnType<typeof recordingLogger>;
const watches: ModelListWatch[] = [];

function watch(options: Partial<ModelListWatchOptions> = {}): ModelListWatch {
  const started = startModelListWatch({
    db,
    source: createOpenAIModelListSource({
      apiKey: fake.apiKey,
      baseURL: fake.baseURL,
      timeoutMs: 5_000,
      maxRetries: 0,
    }),
    webhook: { url: receiver.url, secret: SECRET },
    logger: log.logger,
    now: () => clock,
    poll: false,
    requestTimeoutMs: 2_000,
    leaseMs: 60_000,
    random: () => 0, // each retry waits exactly half its step: 5 s after the first failure
    ...options,
  });
  watches.push(started);
  return started;
}

const idsReceived = (accepted = false) => (accepted ? receiver.accepted() : receiver.requests).map((r) => r.alertId);

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
  otherDb = createPrismaClient(database.databaseUrl);
  fake = await startFakeOpenAIModels();
});

beforeEach(async () => {
  await resetModelTables(db);
  clock = T0;
  log = recordingLogger();
  fake.reset();
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await Promise.all(watches.splice(0).map((started) => started.stop()));
  await receiver.close();
  for (const line of log.lines) expect(line).not.toContain(SECRET);
});

afterAll(async () => {
  await fake.close();
  await db.$disconnect();
  await otherDb.$disconnect();
  await database.drop();
});

describe("the model-list watch", () => {
  it("records a newly announced date and sends one signed notice counting the last 30 days' requests", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_1", at: daysAfter(T0, -3) });
    await insertRequest(db, { model: "GPT_IMAGE_2", requestedModel: "GPT_IMAGE_1", at: daysAfter(T0, -29) }); // routed
    await insertRequest(db, { model: "GPT_IMAGE_1", at: daysAfter(T0, -31) }); // too old
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) }); // another model
    fake.setModels([
      { id: "gpt-image-1", shutdown_date: "2027-03-01" },
      { id: "gpt-image-2", shutdown_date: null },
      { id: "gpt-image-2.5-flare" },
    ]);

    expect(await watch().runPass()).toEqual({ listRead: true, recorded: 1, queued: 1, delivered: 1 });

    expect(await shutdownRows(db)).toEqual([{ model: "GPT_IMAGE_1", shutdownDate: "2027-03-01", announcedAt: T0 }]);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.alertId).toBe("model-shutdown:GPT_IMAGE_1:2027-03-01");
    expect(verifyImagegateSignature(request, SECRET)).toBe(true);
    expect(verifyImagegateSignature(request, "another-secret")).toBe(false);
    expect(request.body).toEqual({
      event: "model.shutdown_announced",
      eventId: "model-shutdown:GPT_IMAGE_1:2027-03-01",
      model: "GPT_IMAGE_1",
      upstreamId: "gpt-image-1",
      shutdownDate: "2027-03-01",
      replacement: "GPT_IMAGE_2_5_SUNBURST",
      requestsLast30Days: 2,
      createdAt: T0.toISOString(),
    });
    expect(await noticeRows(db)).toEqual([
      expect.objectContaining({ model: "GPT_IMAGE_1", requests30d: 2, deliveredAt: T0, attempts: 1, lastError: null }),
    ]);
  });

  it("ignores unknown ids, other providers' models, malformed dates and malformed entries", async () => {
    for (const model of [
      "GPT_IMAGE_2",
      "GPT_IMAGE_2_5_FLARE",
      "GPT_IMAGE_2_6_FLARE",
      "GPT_IMAGE_2_5_SUNBURST",
    ] as const)
      await insertRequest(db, { model, at: daysAfter(T0, -1) });
    await insertRequest(db, { model: "DALL_E_3", at: daysAfter(T0, -1) });
    fake.setRawData([
      { id: "gpt-image-9", object: "model", created: 1, owned_by: "system", shutdown_date: "2027-02-01" },
      { id: "stable-diffusion-xl-1024-v1-0", object: "model", shutdown_date: "2027-02-01" },
      { id: "gpt-image-2", object: "model", shutdown_date: "2027-02-30" },
      { id: "gpt-image-2.5-flare", object: "model", shutdown_date: "01/02/2027" },
      { id: "gpt-image-2.6-flare", object: "model", shutdown_date: 20270201 },
      { id: "dall-e-3", object: "model", shutdown_date: "2027-02-01T00:00:00Z" },
      "gpt-image-2.6-sunburst",
      null,
      { id: 42, shutdown_date: "2027-02-01" },
      { id: "gpt-image-2.5-sunburst", object: "model", shutdown_date: "2027-02-01" },
    ]);

    expect(await watch().runPass()).toEqual({ listRead: true, recorded: 1, queued: 1, delivered: 1 });
    expect(await shutdownRows(db)).toEqual([
      { model: "GPT_IMAGE_2_5_SUNBURST", shutdownDate: "2027-02-01", announcedAt: T0 },
    ]);
    expect(idsReceived()).toEqual(["model-shutdown:GPT_IMAGE_2_5_SUNBURST:2027-02-01"]);
  });

  it(`reads at most ${MAX_LIST_ENTRIES} entries, and a model's first entry`, () => {
    const filler = Array.from({ length: MAX_LIST_ENTRIES - 1 }, (_, i) => ({
      upstreamId: `x-${i}`,
      shutdownDate: null,
    }));
    const entries = [
      ...filler,
      { upstreamId: "gpt-image-2", shutdownDate: "2027-02-01" },
      { upstreamId: "gpt-image-2", shutdownDate: "2027-02-02" },
      { upstreamId: "gpt-image-1", shutdownDate: "2027-02-01" },
    ];
    expect(announcedShutdowns("openai", entries)).toEqual([{ model: "GPT_IMAGE_2", shutdownDate: "2027-02-01" }]);
    expect(announcedShutdowns("stability", entries)).toEqual([]);
  });

  it("queues no notice without requests in the last 30 days, beyond 90 days, or more than 7 days past", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -30.01) });
    for (const model of ["GPT_IMAGE_2_5_FLARE", "GPT_IMAGE_2_6_FLARE", "GPT_IMAGE_2_5_SUNBURST"] as const)
      await insertRequest(db, { model, at: daysAfter(T0, -1) });
    await insertRequest(db, { model: "GPT_IMAGE_2_6_SUNBURST", at: daysAfter(T0, -1) });
    fake.setModels([
      { id: "gpt-image-2", shutdown_date: dayAfter(T0, 30) }, // no request in the window
      { id: "gpt-image-2.5-flare", shutdown_date: dayAfter(T0, 91) },
      { id: "gpt-image-2.6-flare", shutdown_date: dayAfter(T0, -8) },
      { id: "gpt-image-2.5-sunburst", shutdown_date: dayAfter(T0, -7) }, // the edges are in
      { id: "gpt-image-2.6-sunburst", shutdown_date: dayAfter(T0, 90) },
    ]);

    expect(await watch({ webhook: undefined }).runPass()).toEqual({
      listRead: true,
      recorded: 5,
      queued: 2,
      delivered: 0,
    });
    expect((await shutdownRows(db)).map((row) => row.model)).toEqual([
      "GPT_IMAGE_2",
      "GPT_IMAGE_2_5_FLARE",
      "GPT_IMAGE_2_5_SUNBURST",
      "GPT_IMAGE_2_6_FLARE",
      "GPT_IMAGE_2_6_SUNBURST",
    ]);
    expect(await noticeRows(db)).toEqual([
      expect.objectContaining({ model: "GPT_IMAGE_2_5_SUNBURST", shutdownDate: dayAfter(T0, -7), deliveredAt: null }),
      expect.objectContaining({ model: "GPT_IMAGE_2_6_SUNBURST", shutdownDate: dayAfter(T0, 90), requests30d: 1 }),
    ]);
    expect(receiver.requests).toEqual([]);
  });

  it("queues a date recorded more than 90 days ahead once it comes within 90 days", async () => {
    fake.setModels([{ id: "gpt-image-2", shutdown_date: dayAfter(T0, 120) }]);
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) });
    expect(await watch({ webhook: undefined }).runPass()).toMatchObject({ listRead: true, recorded: 1, queued: 0 });

    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, 30) });
    clock = daysAfter(T0, 31);
    expect(await watch({ webhook: undefined }).runPass()).toMatchObject({ listRead: true, recorded: 0, queued: 1 });
    expect(await noticeRows(db)).toEqual([
      expect.objectContaining({ model: "GPT_IMAGE_2", shutdownDate: dayAfter(T0, 120), requests30d: 1 }),
    ]);
  });

  it("reads the list once per check interval, however many processes pass", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) });
    fake.setModels([{ id: "gpt-image-2", shutdown_date: "2027-03-01" }]);
    const first = watch();
    const second = watch({ db: otherDb });

    const results = await Promise.all([first.runPass(), second.runPass(), first.runPass(), second.runPass()]);
    expect(results.filter((result) => result.listRead)).toHaveLength(1);
    expect(fake.listRequests()).toHaveLength(1);
    expect(await noticeRows(db)).toEqual([expect.objectContaining({ deliveredAt: T0, attempts: 1 })]);

    clock = new Date(T0.getTime() + 24 * HOUR_MS - 1);
    expect((await second.runPass()).listRead).toBe(false);
    clock = new Date(T0.getTime() + 24 * HOUR_MS);
    expect(await second.runPass()).toEqual({ listRead: true, recorded: 0, queued: 0, delivered: 0 });
    expect(fake.listRequests()).toHaveLength(2);
    expect(idsReceived()).toEqual(["model-shutdown:GPT_IMAGE_2:2027-03-01"]);
  });

  it("retries a failed read a pass later rather than a day later", async () => {
    fake.setModels([{ id: "gpt-image-2", shutdown_date: "2027-03-01" }]);
    fake.failNext(500);
    const started = watch({ passIntervalMs: HOUR_MS });

    expect((await started.runPass()).listRead).toBe(false);
    expect(log.lines.some((line) => line.includes("model list read failed") && line.includes("HTTP 500"))).toBe(true);
    clock = new Date(T0.getTime() + HOUR_MS - 1);
    expect((await started.runPass()).listRead).toBe(false);
    expect(fake.listRequests()).toHaveLength(1);
    clock = new Date(T0.getTime() + HOUR_MS);
    expect(await started.runPass()).toMatchObject({ listRead: true, recorded: 1 });
    expect(fake.listRequests()).toHaveLength(2);
  });

  it("stops without waiting for a list read in flight, which becomes due again a pass later", async () => {
    fake.failNext("hang");
    const slow = createOpenAIModelListSource({ apiKey: fake.apiKey, baseURL: fake.baseURL, timeoutMs: 60_000 });
    const started = watch({ source: slow, passIntervalMs: HOUR_MS });

    const pass = started.runPass();
    await eventually(() => fake.listRequests().length === 1, 5_000, "the read in flight");
    await started.stop(); // a read left running would hold this for the SDK's 60 s timeout, past jest's
    expect(await pass).toEqual({ listRead: false, recorded: 0, queued: 0, delivered: 0 });
    expect(log.lines.some((line) => line.includes("model list read failed") && line.includes("aborted"))).toBe(true);
    const [check] = await db.$queryRaw<{ checkedAt: Date }[]>`SELECT checked_at AS "checkedAt" FROM model_list_checks`;
    expect(check!.checkedAt).toEqual(new Date(T0.getTime() - 23 * HOUR_MS));
  });

  it("makes a new notice for a changed date, and drops an undelivered one for the old date", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) });
    const started = watch();
    const announce = (date: string) => fake.setModels([{ id: "gpt-image-2", shutdown_date: date }]);

    announce("2027-03-01");
    expect(await started.runPass()).toEqual({ listRead: true, recorded: 1, queued: 1, delivered: 1 });
    clock = daysAfter(T0, 1);
    expect(await started.runPass()).toEqual({ listRead: true, recorded: 0, queued: 0, delivered: 0 }); // same date

    clock = daysAfter(T0, 2);
    announce("2027-02-15");
    receiver.queue(500);
    expect(await started.runPass()).toEqual({ listRead: true, recorded: 1, queued: 1, delivered: 0 });
    clock = daysAfter(T0, 3);
    announce("2027-02-20");
    expect(await started.runPass()).toEqual({ listRead: true, recorded: 1, queued: 1, delivered: 1 });

    expect(await shutdownRows(db)).toEqual([{ model: "GPT_IMAGE_2", shutdownDate: "2027-02-20", announcedAt: clock }]);
    expect((await noticeRows(db)).map((row) => [row.shutdownDate, row.deliveredAt !== null])).toEqual([
      ["2027-02-20", true],
      ["2027-03-01", true],
    ]);
    expect(idsReceived(true)).toEqual([
      "model-shutdown:GPT_IMAGE_2:2027-03-01",
      "model-shutdown:GPT_IMAGE_2:2027-02-20",
    ]);
    expect(idsReceived()).toContain("model-shutdown:GPT_IMAGE_2:2027-02-15"); // tried once, then superseded
  });

  it("retries a failed POST with backoff on later passes, without reading the list again, then delivers once", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) });
    fake.setModels([{ id: "gpt-image-2", shutdown_date: "2027-03-01" }]);
    receiver.queue(503);
    const started = watch();

    expect(await started.runPass()).toMatchObject({ listRead: true, queued: 1, delivered: 0 });
    expect(await noticeRows(db)).toEqual([
      expect.objectContaining({
        attempts: 1,
        lastError: "HTTP 503",
        deliveredAt: null,
        claimedUntil: new Date(T0.getTime() + 5_000),
      }),
    ]);
    clock = new Date(T0.getTime() + 4_999);
    expect((await started.runPass()).delivered).toBe(0);
    expect(receiver.requests).toHaveLength(1);

    clock = new Date(T0.getTime() + 5_000);
    expect(await started.runPass()).toEqual({ listRead: false, recorded: 0, queued: 0, delivered: 1 });
    expect(await started.runPass()).toEqual({ listRead: false, recorded: 0, queued: 0, delivered: 0 });
    expect(idsReceived()).toEqual(["model-shutdown:GPT_IMAGE_2:2027-03-01", "model-shutdown:GPT_IMAGE_2:2027-03-01"]);
    expect(idsReceived(true)).toHaveLength(1);
    expect(receiver.requests.every((request) => verifyImagegateSignature(request, SECRET))).toBe(true);
    expect(fake.listRequests()).toHaveLength(1);
    expect(await noticeRows(db)).toEqual([
      expect.objectContaining({ attempts: 2, lastError: null, claimedUntil: null }),
    ]);
  });

  it("gives up after the last attempt", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) });
    fake.setModels([{ id: "gpt-image-2", shutdown_date: "2027-03-01" }]);
    receiver.answerWith(() => 500);
    const started = watch({ retry: { maxAttempts: 2 } });

    await started.runPass();
    clock = daysAfter(T0, 1 / 24);
    await started.runPass();
    clock = daysAfter(T0, 30);
    await started.runPass();

    expect(receiver.requests).toHaveLength(2);
    expect(await noticeRows(db)).toEqual([
      expect.objectContaining({ attempts: 2, deliveredAt: null, claimedUntil: new Date("9999-12-31T00:00:00Z") }),
    ]);
    expect(log.lines.some((line) => line.includes("model shutdown notice not delivered: giving up"))).toBe(true);
  });

  it("holds no row lock during the POST, only a lease, which another process honours until it lapses", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) });
    fake.setModels([{ id: "gpt-image-2", shutdown_date: "2027-03-01" }]);
    receiver.setLatencyMs(300);
    const first = watch();
    const second = watch({ db: otherDb });

    const pass = first.runPass();
    await eventually(() => receiver.requests.length === 1, 5_000, "the POST in flight");
    // Another connection can lock the row at once: nothing holds it while the receiver takes its time.
    const locked = await otherDb.$transaction(
      (tx) => tx.$queryRaw<{ attempts: number; claimedUntil: Date }[]>`
        SELECT attempts, claimed_until AS "claimedUntil" FROM model_shutdown_notices FOR UPDATE NOWAIT`,
    );
    expect(locked).toEqual([{ attempts: 1, claimedUntil: new Date(T0.getTime() + 60_000) }]);
    expect((await second.runPass()).delivered).toBe(0); // the lease keeps it off
    expect(await pass).toMatchObject({ delivered: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it("sends a notice again when its claimer died, once its lease has lapsed", async () => {
    await db.$executeRaw`UPDATE model_list_checks SET checked_at = ${T0} WHERE id = 1`;
    await db.$executeRaw`
      INSERT INTO model_shutdown_notices (model, shutdown_date, requests_30d, created_at, attempts, claimed_until)
      VALUES ('GPT_IMAGE_2', '2027-03-01', 4, ${T0}, 1, ${new Date(T0.getTime() + 60_000)})`;
    const started = watch();

    expect((await started.runPass()).delivered).toBe(0);
    clock = new Date(T0.getTime() + 60_000);
    expect(await started.runPass()).toEqual({ listRead: false, recorded: 0, queued: 0, delivered: 1 });
    expect(receiver.requests.map((request) => request.body.requestsLast30Days)).toEqual([4]);
    expect(await noticeRows(db)).toEqual([expect.objectContaining({ attempts: 2, lastError: null })]);
  });

  it("sends a notice once when passes of two processes run together", async () => {
    await db.$executeRaw`UPDATE model_list_checks SET checked_at = ${T0} WHERE id = 1`;
    for (const model of ["GPT_IMAGE_2", "GPT_IMAGE_2_5_FLARE", "GPT_IMAGE_2_6_FLARE"])
      await db.$executeRaw`
        INSERT INTO model_shutdown_notices (model, shutdown_date, requests_30d, created_at)
        VALUES (${model}::"ImageModel", '2027-03-01', 1, ${T0})`;
    receiver.setLatencyMs(50);
    const processes = [watch(), watch({ db: otherDb }), watch(), watch({ db: otherDb })];

    const results = await Promise.all(processes.map((started) => started.runPass()));
    expect(results.reduce((sum, result) => sum + result.delivered, 0)).toBe(3);
    expect(idsReceived().sort()).toEqual([
      "model-shutdown:GPT_IMAGE_2:2027-03-01",
      "model-shutdown:GPT_IMAGE_2_5_FLARE:2027-03-01",
      "model-shutdown:GPT_IMAGE_2_6_FLARE:2027-03-01",
    ]);
    expect(receiver.maxInFlightPerAlert()).toBe(1);
  });

  it("without a webhook (or its secret), records dates and queues notices", async () => {
    await insertRequest(db, { model: "GPT_IMAGE_2", at: daysAfter(T0, -1) });
    fake.setModels([{ id: "gpt-image-2", shutdown_date: "2027-03-01" }]);

    expect(await watch({ webhook: { url: receiver.url, secret: undefined } }).runPass()).toEqual({
      listRead: true,
      recorded: 1,
      queued: 1,
      delivered: 0,
    });
    expect(await shutdownRows(db)).toHaveLength(1);
    expect(await noticeRows(db)).toEqual([expect.objectContaining({ attempts: 0, deliveredAt: null })]);
    expect(receiver.requests).toEqual([]);
  });
});
