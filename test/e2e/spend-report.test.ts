import { SPEND_DIMENSIONS, type SpendDimension } from "../../src/domain/reports/spend-dimension";
import { GenerateImageDocument, SpendReportDocument } from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { eventually } from "../support/eventually";
import { dataOf, errorOf } from "../support/graphql-client";
import { insertCharge, insertRefund, insertTeam, ledgerSpendEntries, ledgerTotals } from "../support/spend-fixtures";
import {
  allGroupings,
  comparableRows,
  expectedRows,
  isInReportOrder,
  micros,
  parseCsv,
  type ReportRow,
} from "../support/spend-report-checks";

// Spend reports against the ledger, the source of truth: history written at chosen instants (as the settle and
// refund paths write it) plus generations made now through generateImage against the fake providers.

const UTC = "UTC";
let env: TestEnvironment;
let finance: { userId: string; apiKey: string };
let admin: { userId: string; apiKey: string };
let member: { userId: string; apiKey: string };
const users: Record<"alice" | "bob" | "carol", { userId: string; apiKey: string }> = {} as never;
let teams: { red: string; blue: string };

const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  env = await startEnvironment();
  const { db } = env.server;
  finance = await env.server.createUser("FINANCE");
  admin = await env.server.createUser("ADMIN");
  member = await env.server.createUser("MEMBER", "1");
  for (const name of ["alice", "bob", "carol"] as const) users[name] = await env.server.createUser("MEMBER", "100");
  teams = { red: await insertTeam(db, "Red"), blue: await insertTeam(db, "Blue") };
  const { alice, bob, carol } = users;
  // API keys of the fixtures' charges (spend by API_KEY reads the generation's key id, not the key row).
  const keyA = "0000000a-0000-4000-8000-00000000000a";
  const keyB = "0000000b-0000-4000-8000-00000000000b";

  const charge = (
    userId: string,
    teamId: string | null,
    iso: string,
    what: Omit<Parameters<typeof insertCharge>[1], "userId" | "teamId" | "at">,
  ) => insertCharge(db, { userId, teamId, at: at(iso), ...what }, UTC);
  const d3 = { model: "DALL_E_3", size: "SIZE_1024X1024", quality: "STANDARD", n: 1, costMicros: 40_000n } as const;
  const d2 = { model: "DALL_E_2", size: "SIZE_256X256", quality: "STANDARD", n: 3, costMicros: 48_000n } as const;
  const gpt = { model: "GPT_IMAGE_1", size: "SIZE_1024X1024", quality: "LOW", n: 2, costMicros: 21_347n } as const;
  const sdxl = {
    model: "STABLE_DIFFUSION_XL",
    size: "SIZE_1024X1024",
    quality: "STANDARD",
    n: 1,
    costMicros: 6_000n,
  } as const;
  const hd = { model: "DALL_E_3", size: "SIZE_1792X1024", quality: "HD", n: 1, costMicros: 120_000n } as const;
  const mini = {
    model: "GPT_IMAGE_1_MINI",
    size: "SIZE_1536X1024",
    quality: "HIGH",
    n: 4,
    costMicros: 199_999n,
  } as const;

  await charge(carol.userId, null, "2024-03-09T08:00:00Z", { ...d2, size: "SIZE_512X512", n: 2, costMicros: 36_000n });
  await charge(alice.userId, teams.red, "2024-03-10T23:30:00Z", { ...d3, apiKeyId: keyA, tags: ["launch", "web"] });
  await charge(alice.userId, teams.red, "2024-03-11T00:30:00Z", { ...d2, apiKeyId: keyA, tags: ["web"] });
  const refundedNextDay = await charge(bob.userId, teams.blue, "2024-03-11T12:00:00Z", gpt);
  const refundedSameDay = await charge(carol.userId, null, "2024-03-11T23:59:59.999Z", sdxl);
  await charge(bob.userId, teams.blue, "2024-03-12T06:00:00Z", { ...hd, apiKeyId: keyB, tags: ["launch"] });
  // alice moved to Blue: her spend stays with the team she was in when charged.
  await charge(alice.userId, teams.blue, "2024-03-12T09:00:00Z", d3);
  await charge(alice.userId, teams.blue, "2024-03-13T00:00:00Z", { ...mini, apiKeyId: keyB });
  // Partial hours: minutes apart around an hour's start, for windows that start and end inside hours.
  await charge(bob.userId, teams.blue, "2024-03-11T14:05:00Z", { ...sdxl, tags: ["web"] });
  await charge(bob.userId, teams.blue, "2024-03-11T14:55:00Z", { ...d2, apiKeyId: keyA, tags: ["launch", "web"] });
  await charge(bob.userId, teams.blue, "2024-03-13T00:00:00.001Z", d2);
  // Around whole months, for the monthly rollup: a partial day, days before and after March and April, and outside.
  await charge(carol.userId, null, "2024-02-15T10:00:00Z", d3);
  await charge(bob.userId, teams.blue, "2024-02-20T10:00:00Z", hd);
  const refundedInApril = await charge(alice.userId, teams.red, "2024-04-15T10:00:00Z", mini);
  await charge(bob.userId, teams.blue, "2024-04-30T23:59:59.999Z", gpt);
  await charge(carol.userId, null, "2024-05-02T23:00:00Z", sdxl);
  await charge(alice.userId, null, "2024-05-03T01:00:00Z", d2);
  await insertRefund(db, refundedInApril, at("2024-05-01T08:00:00Z"), UTC);
  await insertRefund(db, refundedNextDay, at("2024-03-12T07:00:00Z"), UTC);
  await insertRefund(db, refundedSameDay, at("2024-03-11T23:59:59.999Z"), UTC);

  // And now, through the API: the settle path fills spend_daily itself.
  await db.user.update({ where: { id: alice.userId }, data: { teamId: teams.red } });
  for (const [user, input] of [
    [alice, { prompt: "a red kite", model: "DALL_E_2", size: "SIZE_256X256", n: 2, tags: [" Web ", "LAUNCH", "web"] }],
    [bob, { prompt: "a blue whale", model: "DALL_E_3", quality: "HD" }],
    [carol, { prompt: "a green hill", model: "STABLE_DIFFUSION_XL" }],
    [alice, { prompt: "a red barn", model: "GPT_IMAGE_1", quality: "LOW" }],
  ] as const) {
    dataOf(
      await env.server.graphql(
        GenerateImageDocument,
        { input: { ...input, tags: "tags" in input ? [...input.tags] : null } },
        user.apiKey,
      ),
    );
  }
});
afterAll(() => env.close());

async function report(from: Date, to: Date, groupBy: SpendDimension[], apiKey = finance.apiKey) {
  const response = await env.server.graphql(
    SpendReportDocument,
    { from: from.toISOString(), to: to.toISOString(), groupBy },
    apiKey,
  );
  return dataOf(response).spendReport;
}

async function csv(query: Record<string, string>, apiKey: string | null = finance.apiKey) {
  const response = await fetch(`${env.server.url}/reports/spend.csv?${new URLSearchParams(query)}`, {
    headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
  });
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    retryAfter: response.headers.get("retry-after"),
    body: await response.text(),
  };
}

const RANGES: Record<string, () => [Date, Date]> = {
  "whole UTC days": () => [at("2024-03-09T00:00:00Z"), at("2024-03-14T00:00:00Z")],
  "partial days at both edges": () => [at("2024-03-10T12:00:00Z"), at("2024-03-13T00:00:00.001Z")],
  "within one day": () => [at("2024-03-11T00:15:00Z"), at("2024-03-11T23:59:59.999Z")],
  "rolling, partial hours at both edges": () => [at("2024-03-10T23:15:00Z"), at("2024-03-11T14:30:00Z")],
  "within one hour": () => [at("2024-03-11T14:00:00Z"), at("2024-03-11T14:56:00Z")],
  "rolling, across a midnight, no whole day": () => [at("2024-03-10T23:45:00Z"), at("2024-03-11T14:54:59.999Z")],
  "whole months between whole and partial days": () => [at("2024-02-15T06:00:00Z"), at("2024-05-03T00:00:00Z")],
  "the last two days, up to now": () => [new Date(Date.now() - 2 * 86_400_000 + 1234), new Date(Date.now() + 60_000)],
  "all time, 1970 to 9999": () => [at("1970-01-01T00:00:00Z"), at("9999-12-31T00:00:00Z")],
  "all time, up to now": () => [at("1970-01-01T00:00:00Z"), new Date(Date.now() + 60_000)],
};

describe("spendReport agrees with the ledger", () => {
  it.each(Object.keys(RANGES))(
    "%s: every grouping has the ledger's total and its groups",
    async (name) => {
      const [from, to] = RANGES[name]!();
      const ledger = await ledgerTotals(env.server.db, from, to);
      const entries = await ledgerSpendEntries(env.server.db, from, to, UTC);
      expect(entries.length).toBeGreaterThanOrEqual(2);
      // Every grouping of up to three of the eight dimensions (93 of the 256): every pair and triple meets.
      for (const groupBy of allGroupings(SPEND_DIMENSIONS).filter((groupBy) => groupBy.length <= 3)) {
        const result = await report(from, to, groupBy);
        expect({ groupBy, total: micros(result.total), requests: result.requests, images: result.images }).toEqual({
          groupBy,
          total: ledger.costMicros,
          requests: ledger.requests,
          images: ledger.images,
        });
        // By TAG a generation counts toward each of its tags: the rows then add up to more than the total.
        if (!groupBy.includes("TAG")) {
          expect(result.rows.reduce((sum, row) => sum + micros(row.cost), 0n)).toBe(ledger.costMicros);
        }
        expect({ groupBy, rows: comparableRows(result.rows, groupBy) }).toEqual({
          groupBy,
          rows: expectedRows(entries, groupBy),
        });
        expect(isInReportOrder(result.rows, groupBy)).toBe(true);
      }
    },
    180_000,
  );

  it("is exact at the edges: partial days from the ledger, whole days from the aggregates", async () => {
    // 2024-03-10 12:00 to 03-13 00:00.001: alice's 23:30 DALL-E 3 on the 10th, all of the 11th and 12th, and
    // alice's charge at midnight on the 13th; not bob's a millisecond later, nor carol's of the 9th.
    const result = await report(at("2024-03-10T12:00:00Z"), at("2024-03-13T00:00:00.001Z"), ["DAY"]);
    expect(result.rows.map((row) => [row.day, row.requests, row.images, row.cost])).toEqual([
      ["2024-03-10T00:00:00.000Z", 1, 1, "0.040000"],
      // alice 48000 + bob 21347 + bob 6000 + bob 48000 + carol 6000 - carol's same-day refund 6000
      ["2024-03-11T00:00:00.000Z", 5, 10, "0.123347"],
      // bob 120000 + alice 40000 - bob's refund of the 11th's 21347
      ["2024-03-12T00:00:00.000Z", 2, 2, "0.138653"],
      ["2024-03-13T00:00:00.000Z", 1, 4, "0.199999"],
    ]);
    const justBefore = await report(at("2024-03-10T12:00:00Z"), at("2024-03-13T00:00:00Z"), []);
    expect(justBefore.rows).toEqual([expect.objectContaining({ requests: 8, images: 13, cost: "0.302000" })]);
  });

  it("groups by team as charged, with no team as a null team", async () => {
    const result = await report(at("2024-03-09T00:00:00Z"), at("2024-03-14T00:00:00Z"), ["TEAM", "USER"]);
    const byKey = Object.fromEntries(
      result.rows.map((row) => [`${row.team?.name ?? "none"}/${row.user?.email}`, row.cost]),
    );
    const email = async (userId: string) =>
      (await env.server.db.user.findUniqueOrThrow({ where: { id: userId } })).email;
    expect(byKey).toEqual({
      [`Red/${await email(users.alice.userId)}`]: "0.088000",
      [`Blue/${await email(users.alice.userId)}`]: "0.239999",
      [`Blue/${await email(users.bob.userId)}`]: "0.222000",
      [`none/${await email(users.carol.userId)}`]: "0.036000",
    });
  });

  it("with no dimension has one row, the total, even when nothing was spent", async () => {
    const empty = await report(at("2001-01-01T00:00:00Z"), at("2001-02-01T00:00:00Z"), []);
    expect(empty).toMatchObject({ total: "0.000000", requests: 0, images: 0 });
    expect(empty.rows).toEqual([
      {
        user: null,
        team: null,
        apiKeyId: null,
        apiKey: null,
        tag: null,
        model: null,
        size: null,
        quality: null,
        day: null,
        requests: 0,
        images: 0,
        cost: "0.000000",
      },
    ]);
    expect((await report(at("2001-01-01T00:00:00Z"), at("2001-02-01T00:00:00Z"), ["USER"])).rows).toEqual([]);
  });
});

describe("the CSV export", () => {
  const CSV_CASES: SpendDimension[][] = [
    ["USER", "MODEL"],
    ["DAY"],
    ["TEAM", "USER", "DAY"],
    ["API_KEY"],
    [],
    [...SPEND_DIMENSIONS],
  ];

  it.each(CSV_CASES.map((groupBy) => [groupBy.join(",") || "(none)", groupBy] as const))(
    "has the report's rows, in its order (%s)",
    async (_name, groupBy) => {
      for (const [from, to] of [RANGES["partial days at both edges"]!(), RANGES["the last two days, up to now"]!()]) {
        const expected = await report(from, to, groupBy);
        const response = await csv({ from: from.toISOString(), to: to.toISOString(), groupBy: groupBy.join(",") });
        expect(response.status).toBe(200);
        expect(response.type).toBe("text/csv; charset=utf-8");
        const [header, ...lines] = parseCsv(response.body);
        expect(lines.map((cells) => Object.fromEntries(header!.map((name, i) => [name, cells[i]])))).toEqual(
          expected.rows.map((row) => csvRecord(row, groupBy)),
        );
      }
    },
  );

  it("names its columns, amounts with six decimals, user emails next to ids", async () => {
    const response = await csv({ from: "2024-03-09T00:00:00Z", to: "2024-03-10T00:00:00Z", groupBy: "user,model" });
    const carol = await env.server.db.user.findUniqueOrThrow({ where: { id: users.carol.userId } });
    expect(response.body).toBe(
      "user_id,user_email,model,requests,images,cost_usd\r\n" + `${carol.id},${carol.email},DALL_E_2,1,2,0.036000\r\n`,
    );
  });

  it("runs two at a time: a third is answered 429 with Retry-After, and the two finish", async () => {
    const { db } = env.server;
    const query = { from: "2024-03-09T00:00:00Z", to: "2024-03-10T00:00:00Z", groupBy: "USER" };
    const waitingOnLock = async () =>
      (
        await db.$queryRaw<{ waiting: bigint }[]>`
          SELECT count(*) AS waiting FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`
      )[0]!.waiting;
    // The spend tables locked: both exports wait in their query, each holding its place, until the commit.
    const [running, third] = await db.$transaction(
      async (tx) => {
        await tx.$executeRaw`
          LOCK TABLE spend_daily, spend_monthly, spend_daily_shards, spend_running, spend_running_keys
            IN ACCESS EXCLUSIVE MODE`;
        const running = [csv(query), csv(query)];
        await eventually(async () => (await waitingOnLock()) === 2n, 10_000, "two exports waiting on the lock");
        return [running, await csv(query)] as const;
      },
      { timeout: 20_000 },
    );
    expect({ status: third.status, retryAfter: third.retryAfter, body: JSON.parse(third.body) }).toEqual({
      status: 429,
      retryAfter: "5",
      body: { error: { code: "RATE_LIMITED", message: expect.any(String), retryAfterSeconds: 5 } },
    });
    const finished = await Promise.all(running);
    expect(finished.map(({ status, body }) => [status, parseCsv(body).length])).toEqual([
      [200, 2],
      [200, 2],
    ]);
    expect((await csv(query)).status).toBe(200);
  });
});

function csvRecord(row: ReportRow, groupBy: SpendDimension[]): Record<string, string> {
  const record: Record<string, string> = {};
  if (groupBy.includes("USER")) Object.assign(record, { user_id: row.user!.id, user_email: row.user!.email });
  if (groupBy.includes("TEAM")) Object.assign(record, { team_id: row.team?.id ?? "", team_name: row.team?.name ?? "" });
  if (groupBy.includes("API_KEY")) {
    Object.assign(record, { api_key_id: row.apiKeyId ?? "", api_key_name: row.apiKey?.name ?? "" });
  }
  for (const dimension of ["MODEL", "SIZE", "QUALITY", "TAG"] as const) {
    if (groupBy.includes(dimension)) record[dimension.toLowerCase()] = row[dimension.toLowerCase() as "model"] ?? "";
  }
  if (groupBy.includes("DAY")) record.day = new Date(row.day!).toISOString();
  return { ...record, requests: String(row.requests), images: String(row.images), cost_usd: row.cost };
}

describe("who may read spend", () => {
  const from = "2024-03-01T00:00:00Z";
  const to = "2024-04-01T00:00:00Z";

  it("FINANCE and ADMIN; a MEMBER is FORBIDDEN, no key is UNAUTHENTICATED", async () => {
    const variables = { from, to, groupBy: ["USER"] as SpendDimension[] };
    for (const key of [finance.apiKey, admin.apiKey]) {
      expect(dataOf(await env.server.graphql(SpendReportDocument, variables, key)).spendReport.rows.length).toBe(3);
    }
    expect(errorOf(await env.server.graphql(SpendReportDocument, variables, member.apiKey)).code).toBe("FORBIDDEN");
    expect(errorOf(await env.server.graphql(SpendReportDocument, variables)).code).toBe("UNAUTHENTICATED");
  });

  it("CSV: 401 without a key or with a bad one, 403 for a MEMBER, 200 for FINANCE and ADMIN", async () => {
    const query = { from, to, groupBy: "USER" };
    const missing = await csv(query, null);
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
    expect((await csv(query, "igk_not-a-real-key")).status).toBe(401);
    const forbidden = await csv(query, member.apiKey);
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body)).toMatchObject({ error: { code: "FORBIDDEN" } });
    expect((await csv(query, finance.apiKey)).status).toBe(200);
    expect((await csv(query, admin.apiKey)).status).toBe(200);
  });
});

describe("validation", () => {
  it("wants from before to, both from 1970 to 9999: BAD_USER_INPUT naming the field", async () => {
    const cases = [
      [{ from: "2024-03-02T00:00:00Z", to: "2024-03-01T00:00:00Z" }, "to"],
      [{ from: "2024-03-01T00:00:00Z", to: "2024-03-01T00:00:00Z" }, "to"],
      [{ from: "1969-12-31T23:59:59Z", to: "2024-01-01T00:00:00Z" }, "from"],
      [{ from: "2024-01-01T00:00:00Z", to: "9999-12-31T00:00:00.001Z" }, "to"],
    ] as const;
    for (const [range, field] of cases) {
      const error = errorOf(await env.server.graphql(SpendReportDocument, { ...range, groupBy: [] }, finance.apiKey));
      expect({ code: error.code, field: error.extensions?.field }).toEqual({ code: "BAD_USER_INPUT", field });
      const response = await csv({ ...range, groupBy: "" });
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: "BAD_USER_INPUT", field } });
    }
  });

  it("bounds rows, not ranges: thirty years by DAY is a report, by DAY and USER past 50,000 rows a clear refusal", async () => {
    // Five users' spend on every day of 1995 to 2024, straight into the aggregates (no ledger behind it: it goes
    // again before verify-ledger runs on this file's database).
    const { db } = env.server;
    await db.$executeRaw`
      INSERT INTO spend_daily (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT day, u.id, '00000000-0000-0000-0000-000000000000', 'DALL_E_2', 'SIZE_256X256', 'STANDARD', 1, 1, 16000
        FROM generate_series('1995-01-01'::date, '2024-12-31'::date, '1 day') day,
             (SELECT ('00000000-0000-4000-8000-00000000000' || i)::uuid AS id FROM generate_series(1, 5) i) u`;
    try {
      const allTime = { from: "1970-01-01T00:00:00Z", to: "9999-12-31T00:00:00Z" };
      const byDay = dataOf(
        await env.server.graphql(SpendReportDocument, { ...allTime, groupBy: ["DAY"] }, finance.apiKey),
      );
      expect(byDay.spendReport.rows.length).toBeGreaterThanOrEqual(10_958); // the days of 1995 to 2024
      const refused = errorOf(
        await env.server.graphql(SpendReportDocument, { ...allTime, groupBy: ["DAY", "USER"] }, finance.apiKey),
      );
      expect({ code: refused.code, field: refused.extensions?.field }).toEqual({
        code: "BAD_USER_INPUT",
        field: "groupBy",
      });
      expect(refused.message).toMatch(/^the report has more than 50,000 rows: narrow the range, group by fewer/);
      expect(refused.message).toContain("export it as CSV");
      const exported = await csv({ ...allTime, groupBy: "DAY,USER" });
      expect(exported.status).toBe(200);
      expect(parseCsv(exported.body).length - 1).toBeGreaterThan(5 * 10_958);
    } finally {
      await db.$executeRaw`DELETE FROM spend_daily WHERE user_id::text LIKE '00000000-0000-4000-8000-00000000000_'`;
    }
  }, 180_000);

  it("rejects an unknown dimension and malformed dates: GraphQL before resolving, CSV with a 400", async () => {
    const unknown = await env.server.graphql(
      SpendReportDocument,
      { from: "2024-03-01T00:00:00Z", to: "2024-03-02T00:00:00Z", groupBy: ["PROMPT" as SpendDimension] },
      finance.apiKey,
    );
    expect(errorOf(unknown).code).toBe("BAD_USER_INPUT");
    const cases = [
      [{ from: "2024-03-01T00:00:00Z", to: "2024-03-02T00:00:00Z", groupBy: "USER,PROMPT" }, "groupBy"],
      [{ from: "2024-03-01T00:00:00Z", to: "2024-03-02T00:00:00Z", groupBy: "1; DROP TABLE users" }, "groupBy"],
      [{ to: "2024-03-02T00:00:00Z" }, "from"],
      [{ from: "yesterday", to: "2024-03-02T00:00:00Z" }, "from"],
      [{ from: "2024-03-01T00:00:00Z", to: "2024-03-32T00:00:00Z" }, "to"],
    ] as const;
    for (const [query, field] of cases) {
      const response = await csv(query);
      expect({ status: response.status, body: JSON.parse(response.body) }).toMatchObject({
        status: 400,
        body: { error: { code: "BAD_USER_INPUT", field } },
      });
    }
    const repeated = await fetch(
      `${env.server.url}/reports/spend.csv?from=2024-03-01T00:00:00Z&from=2024-03-02T00:00:00Z&to=2024-03-03T00:00:00Z`,
      { headers: { authorization: `Bearer ${finance.apiKey}` } },
    );
    expect(repeated.status).toBe(400);
  });

  it("streams a CSV of many batches, with the report's total", async () => {
    // 2 500 users' worth of one day in 2010, straight into the aggregates (no such users: empty emails). They have
    // no ledger entries, so they go again before verify-ledger runs on this file's database.
    await env.server.db.$executeRaw`
      INSERT INTO spend_daily (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT '2010-06-01', gen_random_uuid(), '00000000-0000-0000-0000-000000000000', 'DALL_E_2', 'SIZE_256X256',
             'STANDARD', 1, 1, 16000 + g
        FROM generate_series(1, 2500) g`;
    try {
      const range = { from: "2010-06-01T00:00:00Z", to: "2010-06-02T00:00:00Z" };
      // Grouped by DAY, whole days come from these aggregates (without DAY, from the running totals).
      const total = dataOf(
        await env.server.graphql(SpendReportDocument, { ...range, groupBy: ["DAY"] }, finance.apiKey),
      );
      expect(total.spendReport).toMatchObject({ requests: 2500, total: "43.126250" });
      const response = await csv({ ...range, groupBy: "USER,DAY" });
      expect(response.status).toBe(200);
      const [header, ...lines] = parseCsv(response.body);
      expect(header).toEqual(["user_id", "user_email", "day", "requests", "images", "cost_usd"]);
      expect(lines).toHaveLength(2500);
      expect(lines[0]![5]).toBe("0.018500");
      expect(lines.reduce((sum, cells) => sum + micros(cells[5]!), 0n)).toBe(micros("43.126250"));
    } finally {
      await env.server.db.$executeRaw`DELETE FROM spend_daily WHERE day = '2010-06-01'`;
    }
  });
});
