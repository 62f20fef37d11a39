import { GenerateImageDocument, RemoveBudgetDocument, SetBudgetDocument } from "../generated/graphql";
import { createUserBudget, insertAlert } from "../support/budget-alerts";
import { eventually } from "../support/eventually";
import { dataOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver";

// A webhook receiver that stalls must stall nothing but its own alert: no lock (and no transaction) is held while
// an alert is POSTed, so admins' budget changes and everyone's generations go on meanwhile.

jest.setTimeout(60_000);

const DALL_E_2 = { prompt: "a lock", model: "DALL_E_2", size: "SIZE_256X256" } as const; // 0.016 each

let server: TestServer;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  server = await startTestServer({
    BUDGET_ALERT_WEBHOOK_URL: receiver.url,
    BUDGET_ALERT_WEBHOOK_SECRET: "whsec-locks-81d2",
  });
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});

it("lets setBudget, removeBudget and generations complete while an alert's POST hangs", async () => {
  const [admin, owner, other] = await Promise.all([
    server.createUser("ADMIN"),
    server.createUser("MEMBER", "10"),
    server.createUser("MEMBER", "10"),
  ]);
  const graphql = server.graphql.bind(server);
  const limit = { userId: owner.userId, period: "MONTHLY" as const, limit: "0.10", alertThresholds: [10] };
  const budget = dataOf(await graphql(SetBudgetDocument, limit, admin.apiKey)).setBudget;
  receiver.queue("hold");
  // The charge crosses 10 %: its alert is recorded and picked up by the delivery worker's next poll.
  dataOf(await graphql(GenerateImageDocument, { input: DALL_E_2 }, owner.apiKey));
  await eventually(() => receiver.requests.length === 1, 20_000, "the alert's POST");
  const hanging = receiver.requests[0]!;

  // The budget whose alert is in flight (its alert row goes with it), then the owner's row, then generations.
  expect(dataOf(await graphql(RemoveBudgetDocument, { id: budget.id }, admin.apiKey)).removeBudget).toBe(true);
  const again = dataOf(await graphql(SetBudgetDocument, { ...limit, limit: "5" }, admin.apiKey)).setBudget;
  expect(again.limit).toBe("5.000000");
  const generated = await Promise.all(
    [owner, other].map((caller) => graphql(GenerateImageDocument, { input: DALL_E_2 }, caller.apiKey)),
  );
  expect(generated.map((response) => dataOf(response).generateImage.status)).toEqual(["SUCCEEDED", "SUCCEEDED"]);

  // All of that happened while the POST was still waiting for its answer.
  expect(hanging).toMatchObject({ answer: "hold", abandoned: false });
  receiver.release(200);

  // The worker recorded an outcome for an alert that no longer exists, and goes on delivering.
  const { budgetId } = await createUserBudget(server.db);
  const next = await insertAlert(server.db, budgetId);
  await eventually(
    async () => (await server.db.budgetAlert.findUnique({ where: { id: next.id } }))?.deliveredAt !== null,
    20_000,
  );
  expect(receiver.accepted().map((request) => request.alertId)).toEqual([hanging.alertId, next.id]);
});
