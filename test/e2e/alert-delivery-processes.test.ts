import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { eventually } from "../support/eventually";
import { createTeamBudget, createUserBudget, insertAlert, sleep } from "../support/budget-alerts";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startServerProcess, type ServerProcess } from "../support/server-process";
import { startWebhookReceiver, verifyImagegateSignature, type WebhookReceiver } from "../support/webhook-receiver";

const SECRET = "whsec-processes-5be04d";

jest.setTimeout(90_000);

describe("budget alerts delivered by two server processes on one database", () => {
  let database: TestDatabase;
  let db: Db;
  let receiver: WebhookReceiver;
  let processes: ServerProcess[] = [];
  const alertIds: string[] = [];

  async function recordAlerts(budgets: number): Promise<void> {
    for (let i = 0; i < budgets; i++) {
      const { budgetId } = i % 4 === 0 ? await createTeamBudget(db) : await createUserBudget(db);
      for (const thresholdPercent of [80, 100])
        alertIds.push((await insertAlert(db, budgetId, { thresholdPercent })).id);
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createPrismaClient(database.databaseUrl);
    receiver = await startWebhookReceiver();
    // Slow enough that both processes are sending at once, and every third alert fails once: retries race too.
    receiver.setLatencyMs(40);
    receiver.answerWith((request, previous) =>
      previous.length === 0 && alertIds.indexOf(request.alertId) % 3 === 0 ? 502 : 200,
    );
    await recordAlerts(15);
  });

  afterAll(async () => {
    await Promise.all(processes.map((server) => server.stop()));
    await receiver.close();
    await db.$disconnect();
    await database.drop();
  });

  it("sends each alert exactly once, signed, including alerts recorded while they run", async () => {
    const env = {
      DATABASE_URL: database.databaseUrl,
      BUDGET_ALERT_WEBHOOK_URL: receiver.url,
      BUDGET_ALERT_WEBHOOK_SECRET: SECRET,
    };
    processes = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    await recordAlerts(3); // picked up by the next poll

    const undelivered = () => db.budgetAlert.count({ where: { deliveredAt: null } });
    await eventually(async () => (await undelivered()) === 0, 60_000);
    await sleep(500); // room for a late duplicate to show up

    const accepted = receiver.accepted().map((request) => request.alertId);
    expect(accepted.sort()).toEqual([...alertIds].sort());
    expect(receiver.maxInFlightPerAlert()).toBe(1);
    expect(receiver.requests.every((request) => verifyImagegateSignature(request, SECRET))).toBe(true);
    const retried = alertIds.filter((_, i) => i % 3 === 0);
    expect(receiver.requests).toHaveLength(alertIds.length + retried.length);

    const logs = processes.flatMap((server) => server.logs);
    expect(logs.filter((entry) => entry.msg === "budget alert delivered")).toHaveLength(alertIds.length);
    expect(JSON.stringify(logs)).not.toContain(SECRET);
    const lastErrors = await db.budgetAlert.findMany({ where: { lastError: { not: null } } });
    expect(lastErrors).toEqual([]);
  });
});
