import pino from "pino";
import { createUserWithKey } from "../../src/cli/create-user";
import { createPrismaClient } from "../../src/db/client";
import { listenForNotifications, type NotificationListener } from "../../src/db/notification-listener";
import { createApiKey } from "../../src/domain/accounts/api-keys";
import { Authenticator } from "../../src/domain/accounts/authenticator";
import type { Db } from "../../src/domain/db";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";

// A key's expiry needs no notification: two authenticators (two processes, each with its own clock) that keep the
// key's principal refuse it at its instant, without looking it up again.

let database: TestDatabase;
let db: Db;
const listeners: NotificationListener[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
});
afterAll(async () => {
  await Promise.all(listeners.map((listener) => listener.stop()));
  await db.$disconnect();
  await database.drop();
});

async function startProcess(clock: { now: Date }) {
  let lookups = 0;
  const client = createPrismaClient(database.databaseUrl, {
    onQuery: (sql) => {
      if (sql.includes("FROM api_keys k JOIN users u")) lookups++;
    },
  });
  const uses: string[] = [];
  const authenticator = new Authenticator(client, {
    ttlMs: 60_000,
    maxEntries: 100,
    now: () => clock.now,
    recordUse: (apiKeyId) => uses.push(apiKeyId),
  });
  let listening = false;
  listeners.push(
    listenForNotifications({
      databaseUrl: database.databaseUrl,
      channel: "imagegate_principals",
      onNotification: () => authenticator.forget(),
      onListening: () => {
        listening = true;
        authenticator.trust();
      },
      onLost: () => authenticator.distrust(),
      logger: pino({ level: "silent" }),
    }),
  );
  await eventually(async () => listening, 5_000, "LISTEN");
  return { authenticator, lookups: () => lookups, uses, disconnect: () => client.$disconnect() };
}

it("every process refuses a kept key from its expiry on, with no lookup and no use recorded", async () => {
  const clock = { now: new Date() };
  const [a, b] = [await startProcess(clock), await startProcess(clock)];
  try {
    const { userId } = await createUserWithKey(db, { email: `expiry-${process.pid}@example.com`, role: "MEMBER" });
    const expiresAt = new Date(clock.now.getTime() + 3_600_000);
    const key = await db.$transaction((tx) =>
      createApiKey(tx, { actorId: null, userId, name: "expiring", expiresAt, now: clock.now }),
    );
    for (const process of [a, b]) {
      expect(await process.authenticator.authenticate(key.secret)).toMatchObject({
        userId,
        apiKeyKind: "STANDARD",
        apiKeyExpiresAt: expiresAt,
      });
      expect(await process.authenticator.authenticate(key.secret)).not.toBeNull();
    }
    clock.now = new Date(expiresAt.getTime() - 1);
    expect(await a.authenticator.authenticate(key.secret)).not.toBeNull();
    clock.now = expiresAt;
    for (const process of [a, b]) {
      expect(await process.authenticator.authenticate(key.secret)).toBeNull();
      expect(process.lookups()).toBe(1);
      expect(process.uses).toHaveLength(process === a ? 3 : 2);
    }
  } finally {
    await Promise.all([a.disconnect(), b.disconnect()]);
  }
});
