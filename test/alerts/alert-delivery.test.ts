import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { createPrismaClient } from "../../src/db/client";
import {
  GAVE_UP_AT,
  startAlertDelivery,
  startConfiguredAlertDelivery,
  type AlertDelivery,
  type AlertDeliveryOptions,
} from "../../src/domain/budgets/alert-delivery";
import type { Db } from "../../src/domain/db";
import { eventually } from "../support/eventually";
import { createTeamBudget, createUserBudget, insertAlert, recordingLogger } from "../support/budget-alerts";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startWebhookReceiver, verifyImagegateSignature, type WebhookReceiver } from "../support/webhook-receiver";

const SECRET = "whsec-test-3f9a1c0b7d2e";
const URL_TOKEN = "url-token-77c1";

let database: TestDatabase;
let db: Db;
let otherDb: Db;
let receiver: WebhookReceiver;
const workers: AlertDelivery[] = [];
const log = recordingLogger();

function worker(options: Partial<AlertDeliveryOptions> & { url?: string } = {}): AlertDelivery {
  const { url, ...rest } = options;
  const started = startAlertDelivery({
    db,
    webhook: { url: url ?? `${receiver.url}?token=${URL_TOKEN}`, secret: SECRET },
    logger: log.logger,
    poll: false,
    requestTimeoutMs: 2_000,
    ...rest,
  });
  workers.push(started);
  return started;
}

const alertRow = (id: string) => db.budgetAlert.findUniqueOrThrow({ where: { id } });

/** Neither the secret nor the URL's token is in a log line, a stored error or a request besides its signature. */
async function expectNothingLeaked(): Promise<void> {
  const errors = (await db.budgetAlert.findMany({ select: { lastError: true } })).map((row) => row.lastError ?? "");
  const sent = receiver.requests.map((request) => {
    const { "x-imagegate-signature": _signature, ...headers } = request.headers;
    return JSON.stringify(headers) + request.rawBody;
  });
  for (const text of [...log.lines, ...errors, ...sent]) {
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(URL_TOKEN);
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
  otherDb = createPrismaClient(database.databaseUrl);
});

beforeEach(async () => {
  await db.budgetAlert.deleteMany();
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((started) => started.stop()));
  await expectNothingLeaked();
  await receiver.close();
});

afterAll(async () => {
  await db.$disconnect();
  await otherDb.$disconnect();
  await database.drop();
});

describe("budget alert delivery", () => {
  it("POSTs a due alert once, signed, with the documented body, and records the delivery", async () => {
    const { userId, budgetId } = await createUserBudget(db, { period: "MONTHLY", limitMicros: 10_000_000n });
    const alert = await insertAlert(db, budgetId, { thresholdPercent: 80, spentMicros: 8_040_000n });
    const delivery = worker();

    expect(await delivery.deliverDue()).toBe(1);
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["x-imagegate-alert-id"]).toBe(alert.id);
    expect(verifyImagegateSignature(request, SECRET)).toBe(true);
    expect(verifyImagegateSignature(request, "another-secret")).toBe(false);
    expect(verifyImagegateSignature({ ...request, rawBody: request.rawBody.replace("8.04", "0.04") }, SECRET)).toBe(
      false,
    );
    expect(request.body).toEqual({
      event: "budget.threshold_crossed",
      alertId: alert.id,
      budgetId,
      scope: "USER",
      ownerId: userId,
      period: "MONTHLY",
      periodStart: "2026-11-01T00:00:00.000Z",
      thresholdPercent: 80,
      spent: "8.040000",
      limit: "10.000000",
      createdAt: alert.createdAt.toISOString(),
    });
    const row = await alertRow(alert.id);
    expect(row).toMatchObject({ attempts: 1, lastError: null });
    expect(row.deliveredAt).not.toBeNull();

    expect(await delivery.deliverDue()).toBe(0);
    expect(receiver.requests).toHaveLength(1);
  });

  it("names a team budget's scope and owner", async () => {
    const { teamId, budgetId } = await createTeamBudget(db, { period: "WEEKLY", limitMicros: 2_500_000n });
    await insertAlert(db, budgetId, { thresholdPercent: 100, limitMicros: 2_500_000n, spentMicros: 2_600_000n });
    expect(await worker().deliverDue()).toBe(1);
    expect(receiver.requests[0]!.body).toMatchObject({
      scope: "TEAM",
      ownerId: teamId,
      period: "WEEKLY",
      thresholdPercent: 100,
      spent: "2.600000",
      limit: "2.500000",
    });
  });

  it("retries a 500 and a hung receiver with growing delays, then delivers", async () => {
    const { budgetId } = await createUserBudget(db);
    const alert = await insertAlert(db, budgetId);
    receiver.queue(500, "hang");
    // The worker's clock is the test's: due times are exact, whatever the machine's speed.
    let clockMs = alert.nextAttemptAt.getTime();
    // random 0: each delay is exactly half its exponential step (200 ms, then 400 ms).
    const delivery = worker({
      requestTimeoutMs: 300,
      retry: { baseDelayMs: 400, maxDelayMs: 10_000, maxAttempts: 5 },
      random: () => 0,
      now: () => new Date(clockMs),
    });

    expect(await delivery.deliverDue()).toBe(0);
    let row = await alertRow(alert.id);
    expect(row).toMatchObject({ attempts: 1, lastError: "HTTP 500", deliveredAt: null, claimedUntil: null });
    expect(row.nextAttemptAt.getTime() - clockMs).toBe(200);
    clockMs += 199;
    expect(await delivery.deliverDue()).toBe(0); // not due yet
    expect(receiver.requests).toHaveLength(1);

    clockMs += 1;
    expect(await delivery.deliverDue()).toBe(0);
    row = await alertRow(alert.id);
    expect(row).toMatchObject({ attempts: 2, lastError: "timeout after 300 ms", deliveredAt: null });
    expect(row.nextAttemptAt.getTime() - clockMs).toBe(400); // the longer delay
    clockMs += 399;
    expect(await delivery.deliverDue()).toBe(0);
    expect(receiver.requests).toHaveLength(2);

    clockMs += 1;
    expect(await delivery.deliverDue()).toBe(1);
    row = await alertRow(alert.id);
    expect(row).toMatchObject({ attempts: 3, lastError: null, deliveredAt: new Date(clockMs), claimedUntil: null });

    expect(receiver.requests.every((request) => request.alertId === alert.id)).toBe(true);
    expect(receiver.requests.every((request) => verifyImagegateSignature(request, SECRET))).toBe(true);
    expect(new Set(receiver.requests.map((request) => request.rawBody)).size).toBe(1);
  });

  it.each([200, 500])(
    "holds no lock or transaction during the POST: the budget goes meanwhile, and a %i is recorded without error",
    async (status) => {
      const { budgetId } = await createUserBudget(db);
      const alert = await insertAlert(db, budgetId);
      receiver.queue("hold");
      const pass = worker().deliverDue();
      await eventually(() => receiver.requests.length === 1, 10_000, "the POST");

      const open = await db.$queryRaw<Array<{ open: bigint }>>`
        SELECT count(*) AS open FROM pg_stat_activity
         WHERE datname = current_database() AND state LIKE 'idle in transaction%'`;
      expect(open[0]!.open).toBe(0n);
      // NOWAIT: an error at once if anyone held the row, never a wait.
      await db.$queryRaw`SELECT id FROM budget_alerts WHERE id = ${alert.id}::uuid FOR UPDATE NOWAIT`;
      await db.budget.delete({ where: { id: budgetId } });
      expect(await db.budgetAlert.count({ where: { id: alert.id } })).toBe(0);

      receiver.release(status);
      expect(await pass).toBe(status === 200 ? 1 : 0);
    },
  );

  it("keeps other workers off an alert while its lease runs, and lets one resend it (same id) once it lapses", async () => {
    const { budgetId } = await createUserBudget(db);
    const alert = await insertAlert(db, budgetId);
    const startMs = alert.nextAttemptAt.getTime();
    receiver.queue("hold");
    // A claimer that never answers: as a process that died mid-POST would.
    const stuck = worker({ now: () => new Date(startMs), leaseMs: 60_000 }).deliverDue();
    await eventually(() => receiver.requests.length === 1, 10_000, "the first POST");

    let otherMs = startMs + 59_999;
    const other = worker({ db: otherDb, now: () => new Date(otherMs), leaseMs: 60_000 });
    expect(await other.deliverDue()).toBe(0);
    expect(receiver.requests).toHaveLength(1);

    otherMs += 1;
    expect(await other.deliverDue()).toBe(1);
    expect(receiver.requests.map((request) => request.alertId)).toEqual([alert.id, alert.id]);
    expect(await alertRow(alert.id)).toMatchObject({ attempts: 2, deliveredAt: new Date(otherMs), claimedUntil: null });

    receiver.release(200);
    expect(await stuck).toBe(1);
    expect((await alertRow(alert.id)).deliveredAt).toEqual(new Date(otherMs)); // the first record stands
  });

  it("stops retrying after maxAttempts, leaving the alert findable and re-armable", async () => {
    const { budgetId } = await createUserBudget(db);
    const alert = await insertAlert(db, budgetId);
    receiver.answerWith(() => 503);
    const delivery = worker({ retry: { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 3 } });

    for (let pass = 0; pass < 5; pass++) expect(await delivery.deliverDue()).toBe(0);
    expect(receiver.requests).toHaveLength(3);
    expect(await alertRow(alert.id)).toMatchObject({
      attempts: 3,
      lastError: "HTTP 503",
      deliveredAt: null,
      nextAttemptAt: GAVE_UP_AT,
    });
    expect(log.lines.some((line) => line.includes("giving up") && line.includes(alert.id))).toBe(true);

    receiver.answerWith(() => 204);
    await db.$executeRaw`UPDATE budget_alerts SET next_attempt_at = now(), attempts = 0 WHERE id = ${alert.id}::uuid`;
    expect(await delivery.deliverDue()).toBe(1);
    expect(receiver.accepted()).toHaveLength(1);
  });

  it("keeps polling through an unreachable webhook, retrying, and delivers once it is back", async () => {
    const { budgetId } = await createUserBudget(db);
    const alert = await insertAlert(db, budgetId);
    const closedPort = await freePort();
    const failing = worker({
      url: `http://127.0.0.1:${closedPort}/hook?token=${URL_TOKEN}`,
      poll: true,
      pollIntervalMs: 20,
      retry: { baseDelayMs: 20, maxDelayMs: 40, maxAttempts: 100 },
    });
    await eventually(async () => (await alertRow(alert.id)).attempts >= 3);
    await failing.stop();
    const row = await alertRow(alert.id);
    expect(row.lastError).toMatch(/ECONNREFUSED/);
    expect(row.deliveredAt).toBeNull();

    const recovered = worker({ poll: true, pollIntervalMs: 20 });
    await eventually(async () => (await alertRow(alert.id)).deliveredAt !== null);
    await recovered.stop();
    expect(receiver.accepted().map((request) => request.alertId)).toEqual([alert.id]);
  });

  it("survives a database it cannot reach: the pass fails, is logged, and polling goes on", async () => {
    const unreachable = createPrismaClient("postgresql://nobody@127.0.0.1:1/none");
    try {
      const delivery = worker({ db: unreachable, poll: true, pollIntervalMs: 20 });
      await expect(delivery.deliverDue()).rejects.toThrow();
      await eventually(() => log.lines.filter((line) => line.includes("budget alert delivery failed")).length >= 2);
      await delivery.stop();
    } finally {
      await unreachable.$disconnect();
    }
  });

  it("starts only when configured, and never unsigned", async () => {
    expect(startConfiguredAlertDelivery({ db, logger: log.logger, webhook: undefined })).toBeUndefined();
    const unsigned = startConfiguredAlertDelivery({
      db,
      logger: log.logger,
      webhook: { url: receiver.url, secret: undefined },
    });
    expect(unsigned).toBeUndefined();
    expect(log.lines.at(-1)).toContain("BUDGET_ALERT_WEBHOOK_SECRET is not set");
  });

  it("delivers each of many alerts exactly once with two workers on two database clients", async () => {
    const alertIds: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { budgetId } = await createUserBudget(db);
      for (const thresholdPercent of [50, 80, 100])
        alertIds.push((await insertAlert(db, budgetId, { thresholdPercent })).id);
    }
    // Every fifth alert fails once, so retries race too.
    const flaky = new Set(alertIds.filter((_, i) => i % 5 === 0));
    receiver.answerWith((request, previous) => (flaky.has(request.alertId) && previous.length === 0 ? 500 : 200));
    receiver.setLatencyMs(15);
    const retry = { baseDelayMs: 0, maxDelayMs: 0, maxAttempts: 5 };
    const a = worker({ concurrency: 3, retry });
    const b = worker({ db: otherDb, concurrency: 3, retry });

    const delivered = { a: 0, b: 0 };
    for (let round = 0; round < 10 && delivered.a + delivered.b < alertIds.length; round++) {
      const [byA, byB] = await Promise.all([a.deliverDue(), b.deliverDue()]);
      delivered.a += byA;
      delivered.b += byB;
    }

    expect(delivered.a + delivered.b).toBe(alertIds.length);
    expect(delivered.a).toBeGreaterThan(0);
    expect(delivered.b).toBeGreaterThan(0);
    const acceptedIds = receiver.accepted().map((request) => request.alertId);
    expect(acceptedIds.sort()).toEqual([...alertIds].sort());
    expect(receiver.requests).toHaveLength(alertIds.length + flaky.size);
    expect(receiver.maxInFlightPerAlert()).toBe(1);
    const rows = await db.budgetAlert.findMany({ where: { id: { in: alertIds } } });
    expect(rows.every((row) => row.deliveredAt !== null)).toBe(true);
    expect(rows.every((row) => row.attempts === (flaky.has(row.id) ? 2 : 1))).toBe(true);
  });
});

/** A port nothing listens on: bound by the OS, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
