import "reflect-metadata";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import pino from "pino";
import { startImagegate, type Imagegate } from "../../src/app";
import { createUserWithKey } from "../../src/cli/create-user";
import { loadSettings } from "../../src/config";
import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { eventually } from "../support/eventually";
import { createTestDatabase, type TestDatabase } from "../support/database";

// No N+1: a list costs the same number of database round trips whatever its length, and generateImage the same
// whatever the rows already there or the images it returns. Every pg query of the server's Prisma client is counted
// (createPrismaClient's onQuery: one call, one round trip, BEGIN and COMMIT included), over real HTTP so that the
// API key lookup and the request's loaders count too. spendReport has its own (spend-report-queries.test.ts).

let database: TestDatabase;
let db: Db;
let app: Imagegate;
let dataDir: string;
let apiKey: string;
let counting = false;
let queries: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl, {
    onQuery: (sql) => {
      if (counting) queries.push(sql);
    },
  });
  dataDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-query-count-"));
  const settings = loadSettings({
    HOST: "127.0.0.1",
    PORT: "0",
    DATA_DIR: dataDir,
    DATABASE_URL: database.databaseUrl,
    LOG_LEVEL: "silent",
    // Nothing in the background while counting.
    HOLD_SWEEP_INTERVAL_SECONDS: "3600",
  });
  app = await startImagegate({ settings, db, databaseUrl: database.databaseUrl, logger: pino({ level: "silent" }) });
  ({ apiKey } = await createUserWithKey(db, { email: "counted@example.com", role: "MEMBER", credits: "100" }));
});

afterAll(async () => {
  await app?.close();
  await db?.$disconnect();
  await database?.drop();
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
});

/** One GraphQL request over HTTP; its data and the queries it sent to the database. */
async function counted(query: string, variables: Record<string, unknown> = {}, key = apiKey) {
  queries = [];
  counting = true;
  try {
    const response = await fetch(`${app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
    expect(body.errors).toBeUndefined();
    return { data: body.data!, queries: [...queries] };
  } finally {
    counting = false;
  }
}

const GENERATE = `mutation Generate($n: Int!) {
  generateImage(input: {prompt: "counted", model: DALL_E_2, size: SIZE_256X256, n: $n}) { id images { url } }
}`;

const GENERATIONS = `query Generations($first: Int!) {
  generations(first: $first) {
    edges { node { id status cost images { index url width height } user { id email } } }
  }
}`;

const LEDGER = `query Ledger($first: Int!) {
  ledger(first: $first) {
    edges { node { id kind amount balanceAfter generation { id model images { url } user { id email } } } }
  }
}`;

interface Connection<T> {
  edges: { node: T }[];
}

it("generateImage issues as many queries for the 1st generation as for the 22nd, with 1 image or 4", async () => {
  await counted(GENERATE, { n: 1 }); // warm-up: first use of each statement
  const early = await counted(GENERATE, { n: 1 });
  for (let i = 0; i < 19; i++) await counted(GENERATE, { n: i % 2 === 0 ? 2 : 1 });
  const later = await counted(GENERATE, { n: 1 });
  const fourImages = await counted(GENERATE, { n: 4 });
  expect((fourImages.data.generateImage as { images: unknown[] }).images).toHaveLength(4);
  // The open (hold) and the settle; the API key's principal is known from the warm-up (src/domain/accounts/
  // authenticator.ts), else its lookup is a third round trip: the target is at most three.
  expect(early.queries).toHaveLength(2);
  expect(later.queries).toHaveLength(early.queries.length);
  expect(fourImages.queries).toHaveLength(early.queries.length);
});

it("generations: a page of 20 with images and user costs what a page of 2 does", async () => {
  await counted(GENERATIONS, { first: 2 });
  const small = await counted(GENERATIONS, { first: 2 });
  const large = await counted(GENERATIONS, { first: 20 });
  const nodes = (result: typeof small) =>
    (result.data.generations as Connection<{ images: unknown[]; user: { email: string } }>).edges.map((e) => e.node);
  expect(nodes(small)).toHaveLength(2);
  expect(nodes(large)).toHaveLength(20);
  expect(small.queries.length).toBeGreaterThan(0);
  expect(nodes(large).filter((node) => node.images.length >= 2).length).toBeGreaterThan(0);
  expect(nodes(large).every((node) => node.user.email === "counted@example.com")).toBe(true);
  expect(large.queries).toHaveLength(small.queries.length);
});

it("ledger: a page of 20 with each entry's generation costs what a page of 2 does", async () => {
  await counted(LEDGER, { first: 2 });
  const small = await counted(LEDGER, { first: 2 });
  const large = await counted(LEDGER, { first: 20 });
  const nodes = (result: typeof small) =>
    (result.data.ledger as Connection<{ kind: string; generation: { images: unknown[] } | null }>).edges.map(
      (e) => e.node,
    );
  expect(nodes(small)).toHaveLength(2);
  expect(nodes(large)).toHaveLength(20);
  expect(small.queries.length).toBeGreaterThan(0);
  expect(nodes(large).filter((node) => node.kind === "CHARGE" && node.generation !== null)).toHaveLength(20);
  expect(large.queries).toHaveLength(small.queries.length);
});

it("generateImage calls made at once share their open and settle statements (group commit)", async () => {
  const before = await db.user.findUniqueOrThrow({ where: { email: "counted@example.com" } });
  // The caller's account stays locked until every call has arrived: the first opens wait on the lock, and the
  // calls behind them queue for the next batch (otherwise a fast server could finish each open before the next
  // call is even read, and nothing would be shared).
  const locker = new pg.Client({ connectionString: database.databaseUrl });
  await locker.connect();
  await locker.query("BEGIN");
  await locker.query("SELECT id FROM users WHERE email = 'counted@example.com' FOR UPDATE");
  queries = [];
  counting = true;
  let results;
  try {
    const calls = Array.from({ length: 24 }, () =>
      fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({ query: GENERATE, variables: { n: 1 } }),
      }).then((response) => response.json() as Promise<{ data?: { generateImage: { id: string } } }>),
    );
    await eventually(async () => {
      // Inside a transaction pg_stat_activity is a snapshot: cleared before each look.
      await locker.query("SELECT pg_stat_clear_snapshot()");
      const { rows } = await locker.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE '%imagegate_open_generations(%'`,
      );
      return rows[0]!.waiting > 0;
    });
    await new Promise((resolve) => setTimeout(resolve, 300)); // the other calls, read and queued meanwhile
    await locker.query("COMMIT");
    results = await Promise.all(calls);
  } finally {
    counting = false;
    await locker.end();
  }
  const statements = (name: string) => queries.filter((sql) => sql.includes(`${name}(`)).length;

  expect(results.every((body) => body.data?.generateImage.id !== undefined)).toBe(true);
  expect(statements("imagegate_open_generations")).toBeGreaterThan(0);
  expect(statements("imagegate_open_generations")).toBeLessThan(24);
  expect(statements("imagegate_settle_generations")).toBeLessThan(24);
  const after = await db.user.findUniqueOrThrow({ where: { email: "counted@example.com" } });
  expect(before.balanceMicros - after.balanceMicros).toBe(24n * 16_000n);
  expect(after.reservedMicros).toBe(0n);
});

// Every row of a page naming its user's spend and budgets was two queries per row (issue 15: twenty such pages at
// once took other users' generateImage p50 from about 10 ms to 2-5 s). Loaders answer each kind of field for every
// row in one statement.
const USER_SPEND_BUDGETS = `query Abusive($first: Int!) {
  generations(first: $first) {
    edges { node { id user { spend budgets { id period spent remaining } } } }
  }
}`;

it("generations: a page of 100 with user { spend budgets } costs what a page of 2 does", async () => {
  const user = await db.user.findUniqueOrThrow({ where: { email: "counted@example.com" } });
  await db.budget.create({ data: { userId: user.id, period: "DAILY", limitMicros: 50_000_000n } });
  await db.budget.create({ data: { userId: user.id, period: "TOTAL", limitMicros: 90_000_000n } });
  while ((await db.imageGeneration.count({ where: { userId: user.id } })) < 101) await counted(GENERATE, { n: 1 });
  await counted(USER_SPEND_BUDGETS, { first: 2 });
  const small = await counted(USER_SPEND_BUDGETS, { first: 2 });
  const large = await counted(USER_SPEND_BUDGETS, { first: 100 });
  const nodes = (result: typeof small) =>
    (result.data.generations as Connection<{ user: { spend: string; budgets: { period: string }[] } }>).edges.map(
      (e) => e.node,
    );
  expect(nodes(large)).toHaveLength(100);
  expect(nodes(large).every((node) => node.user.budgets.map((b) => b.period).join() === "DAILY,TOTAL")).toBe(true);
  expect(new Set(nodes(large).map((node) => node.user.spend)).size).toBe(1);
  expect(large.queries).toHaveLength(small.queries.length);
});

it("a team's members with their spend and budgets: 12 members cost what 2 do", async () => {
  const admin = await createUserWithKey(db, { email: "counting-admin@example.com", role: "ADMIN" });
  const teamOf = async (name: string, size: number) => {
    const team = await db.team.create({ data: { name } });
    for (let i = 0; i < size; i++) {
      const member = await db.user.create({ data: { email: `${name}-${i}@example.com`, teamId: team.id } });
      await db.budget.create({ data: { userId: member.id, period: "MONTHLY", limitMicros: 1_000_000n } });
    }
    await db.budget.create({ data: { teamId: team.id, period: "WEEKLY", limitMicros: 5_000_000n } });
    return team.id;
  };
  const query = `query Team($id: ID!) {
    team(id: $id) { spend budgets { id } members { email spend budgets { period limit spent } team { spend } } }
  }`;
  const [two, twelve] = [await teamOf("pair", 2), await teamOf("dozen", 12)];
  await counted(query, { id: two }, admin.apiKey);
  const small = await counted(query, { id: two }, admin.apiKey);
  const large = await counted(query, { id: twelve }, admin.apiKey);
  const members = (result: typeof small) =>
    (result.data.team as { members: { budgets: { period: string }[] }[] }).members;
  expect(members(small)).toHaveLength(2);
  expect(members(large)).toHaveLength(12);
  expect(members(large).every((member) => member.budgets[0]?.period === "MONTHLY")).toBe(true);
  expect(large.queries).toHaveLength(small.queries.length);
});

it("spendReport by API_KEY names every row's key in one more query, however many keys", async () => {
  const keys = [apiKey];
  for (let i = 0; i < 3; i++) {
    keys.push((await createUserWithKey(db, { email: `keyed-${i}@example.com`, role: "MEMBER", credits: "1" })).apiKey);
  }
  for (const key of keys) await counted(GENERATE, { n: 1 }, key);
  const finance = await createUserWithKey(db, { email: "counting-finance@example.com", role: "FINANCE" });
  const report = (fields: string) => `query {
    spendReport(from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00Z", groupBy: [API_KEY]) { rows { apiKeyId ${fields} } }
  }`;
  await counted(report(""), {}, finance.apiKey);
  const bare = await counted(report(""), {}, finance.apiKey);
  const named = await counted(report("apiKey { id name prefix }"), {}, finance.apiKey);
  const rows = (named.data.spendReport as { rows: { apiKeyId: string; apiKey: { id: string; name: string } }[] }).rows;
  expect(rows.length).toBeGreaterThanOrEqual(keys.length);
  expect(rows.every((row) => row.apiKey.id === row.apiKeyId && row.apiKey.name === "created by the cli")).toBe(true);
  expect(named.queries).toHaveLength(bare.queries.length + 1);
});
