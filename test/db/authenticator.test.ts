import pino from "pino";
import { createUserWithKey } from "../../src/cli/create-user";
import { createPrismaClient } from "../../src/db/client";
import { listenForNotifications, type NotificationListener } from "../../src/db/notification-listener";
import { Authenticator } from "../../src/domain/accounts/authenticator";
import type { Db } from "../../src/domain/db";
import { createTestDatabase, SERVER_URL_ENV, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { startTcpProxy } from "../support/tcp-proxy";

// Principals kept in memory, trusted only while PostgreSQL's change notifications arrive (migration
// principal_notifications). Two authenticators with their own clients and listeners stand for two processes: what
// one process changes, the other hears from the database.

let database: TestDatabase;
const clients: Db[] = [];
const listeners: NotificationListener[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await Promise.all(listeners.map((listener) => listener.stop()));
  await Promise.all(clients.map((client) => client.$disconnect()));
  await database.drop();
});

/** An authenticator as app.ts wires it, with a count of the key lookups it sends to the database. */
async function startProcess(
  listenerUrl = database.databaseUrl,
): Promise<{ authenticator: Authenticator; lookups: () => number; listener: NotificationListener }> {
  let lookups = 0;
  const db = createPrismaClient(database.databaseUrl, {
    onQuery: (sql) => {
      if (sql.includes("FROM api_keys k JOIN users u")) lookups++;
    },
  });
  clients.push(db);
  const authenticator = new Authenticator(db, { ttlMs: 60_000, maxEntries: 100 });
  let listening = false;
  const listener = listenForNotifications({
    databaseUrl: listenerUrl,
    channel: "imagegate_principals",
    onNotification: () => authenticator.forget(),
    onListening: () => {
      listening = true;
      authenticator.trust();
    },
    onLost: () => authenticator.distrust(),
    logger: pino({ level: "silent" }),
  });
  listeners.push(listener);
  await eventually(async () => listening, 5_000, "LISTEN");
  return { authenticator, lookups: () => lookups, listener };
}

let userCount = 0;
const newUser = (db: Db) =>
  createUserWithKey(db, { email: `auth${++userCount}-${process.pid}@example.com`, role: "MEMBER", credits: "1" });

it("looks a key up once, then knows it; unknown keys are looked up every time", async () => {
  const one = await startProcess();
  const { apiKey, userId } = await newUser(clients[0]!);

  expect(await one.authenticator.authenticate(apiKey)).toMatchObject({ userId, role: "MEMBER" });
  expect(await one.authenticator.authenticate(apiKey)).toMatchObject({ userId });
  expect(one.lookups()).toBe(1);
  expect(await one.authenticator.authenticate("igk_unknown")).toBeNull();
  expect(await one.authenticator.authenticate("igk_unknown")).toBeNull();
  expect(one.lookups()).toBe(3);
});

it("forgets at once, in every process, a key revoked, a role or a rate limit changed anywhere", async () => {
  const [a, b] = [await startProcess(), await startProcess()];
  const db = clients[0]!;
  const { apiKey, userId } = await newUser(db);
  await a.authenticator.authenticate(apiKey);
  await b.authenticator.authenticate(apiKey);

  // Changed by hand, as an operator would: the trigger announces it whoever writes.
  await db.user.update({ where: { id: userId }, data: { role: "FINANCE", rateLimitPerMinute: 7 } });
  // Each process hears the change on its own connection, in its own time: wait for each, not for one of them.
  for (const process of [a, b]) {
    await eventually(
      async () => (await process.authenticator.authenticate(apiKey))?.role === "FINANCE",
      10_000,
      "the role change heard by each process",
    );
    expect(await process.authenticator.authenticate(apiKey)).toMatchObject({ rateLimitPerMinute: 7 });
  }

  await db.apiKey.updateMany({ where: { userId }, data: { revokedAt: new Date() } });
  for (const process of [a, b]) {
    await eventually(async () => (await process.authenticator.authenticate(apiKey)) === null, 10_000, "revocation");
  }
});

it("forgets, in every process, a user deactivated, moved to a team, or its team's allowlist changed", async () => {
  const [a, b] = [await startProcess(), await startProcess()];
  const db = clients[0]!;
  const { apiKey, userId } = await newUser(db);
  const team = await db.team.create({ data: { name: `auth-team-${process.pid}` } });
  const heard = async (
    what: string,
    check: (principal: Awaited<ReturnType<Authenticator["authenticate"]>>) => boolean,
  ) => {
    for (const one of [a, b])
      await eventually(async () => check(await one.authenticator.authenticate(apiKey)), 10_000, what);
  };
  await a.authenticator.authenticate(apiKey);
  await b.authenticator.authenticate(apiKey);

  await db.team.update({ where: { id: team.id }, data: { modelsRestricted: true, allowedModels: ["DALL_E_3"] } });
  await db.user.update({ where: { id: userId }, data: { teamId: team.id } });
  await heard("the move to the team", (principal) => principal?.teamAllowedModels?.join() === "DALL_E_3");
  await db.team.update({ where: { id: team.id }, data: { allowedModels: ["DALL_E_3", "GPT_IMAGE_2"] } });
  await heard("the team's new list", (principal) => principal?.teamAllowedModels?.length === 2);
  await db.user.update({ where: { id: userId }, data: { active: false } });
  await heard("the deactivation", (principal) => principal === null);
});

it("keeps a user's balance changes silent: the per-request updates never make it forget", async () => {
  const one = await startProcess();
  const db = clients.at(-1)!;
  const { apiKey, userId } = await newUser(db);
  await one.authenticator.authenticate(apiKey);
  await db.user.update({ where: { id: userId }, data: { balanceMicros: { increment: 5n } } });
  await new Promise((resolve) => setTimeout(resolve, 200));

  await one.authenticator.authenticate(apiKey);
  expect(one.lookups()).toBe(1);
});

it("keeps nothing while it cannot hear changes", async () => {
  const one = await startProcess();
  const { apiKey } = await newUser(clients.at(-1)!);
  await one.listener.stop(); // as when the listening connection is lost

  await one.authenticator.authenticate(apiKey);
  await one.authenticator.authenticate(apiKey);
  expect(one.lookups()).toBe(2);
});

it("stops keeping principals when its listening connection is cut, and trusts again once it is back", async () => {
  const proxy = await startTcpProxy(process.env[SERVER_URL_ENV]!);
  try {
    const one = await startProcess(proxy.proxiedUrl(database.databaseUrl));
    const { apiKey } = await newUser(clients.at(-1)!);
    await one.authenticator.authenticate(apiKey);
    await one.authenticator.authenticate(apiKey);
    expect(one.lookups()).toBe(1);

    await proxy.cut();
    await eventually(
      async () => {
        await one.authenticator.authenticate(apiKey);
        return one.lookups() >= 3; // looked up every time: nothing kept
      },
      5_000,
      "distrust after the cut",
    );

    await proxy.restore();
    await eventually(
      async () => {
        const before = one.lookups();
        await one.authenticator.authenticate(apiKey);
        await one.authenticator.authenticate(apiKey);
        return one.lookups() - before <= 1; // kept again
      },
      10_000,
      "trust once listening again",
    );
  } finally {
    await proxy.close();
  }
});
