import {
  AuditLogDocument,
  GenerateImageDocument,
  PricesDocument,
  SetPriceDocument,
  SetTokenPriceDocument,
  SpendReportDocument,
  TokenPricesDocument,
  type AuditAction,
} from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";
import { micros } from "../support/spend-report-checks";

// Issue 17's finance parts: tags on generations, spend by TAG and API_KEY (exact against the ledger, at partial
// hours, on a controlled clock), price history and backdated prices, the audit log for FINANCE.

let env: TestEnvironment;
let admin: { userId: string; apiKey: string };
let finance: { userId: string; apiKey: string };
let alice: { userId: string; apiKey: string };
let bob: { userId: string; apiKey: string };

beforeAll(async () => {
  env = await startEnvironment();
  admin = await env.server.createUser("ADMIN");
  finance = await env.server.createUser("FINANCE");
  alice = await env.server.createUser("MEMBER", "100");
  bob = await env.server.createUser("MEMBER", "100");
});
afterAll(() => env.close());

const keyIdOf = async (userId: string) =>
  (await env.server.db.apiKey.findFirstOrThrow({ where: { userId }, select: { id: true } })).id;

const generate = (apiKey: string, tags: string[] | null, model = "STABLE_DIFFUSION_XL" as const) =>
  env.server.graphql(GenerateImageDocument, { input: { prompt: "a kite", model, tags } }, apiKey);

describe("GenerateImageInput.tags", () => {
  it("refuses more than 10, over 64 characters, empty and control characters: BAD_USER_INPUT naming the field", async () => {
    const cases = [
      [Array.from({ length: 11 }, (_, i) => `t${i}`), "input.tags"],
      [["ok", "x".repeat(65)], "input.tags[1]"],
      [["   "], "input.tags[0]"],
      [["ok", "tab\there"], "input.tags[1]"],
      [["line\nbreak"], "input.tags[0]"],
    ] as const;
    for (const [tags, field] of cases) {
      const error = errorOf(await generate(alice.apiKey, [...tags]));
      expect({ tags, code: error.code, field: error.extensions?.field }).toEqual({
        tags,
        code: "BAD_USER_INPUT",
        field,
      });
    }
    // Nothing was held or charged for them.
    expect(await env.server.db.imageGeneration.count({ where: { userId: alice.userId } })).toBe(0);
  });

  it("stores them trimmed, collapsed, lower-cased, distinct and sorted, with the request's API key", async () => {
    const tags = ["  Spring  Launch ", "WEB", "web", "é".normalize("NFD"), "x".repeat(64)];
    const made = dataOf(await generate(bob.apiKey, tags)).generateImage;
    const row = await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id: made.id } });
    expect(row.tags).toEqual(["spring launch", "web", "x".repeat(64), "é".normalize("NFC")]);
    expect(row.apiKeyId).toBe(await keyIdOf(bob.userId));
  });
});

/** Spend in [from, to) by tag straight from the ledger, one row per tag of each generation (null: untagged). */
async function ledgerByTag(from: Date, to: Date) {
  const rows = await env.server.db.$queryRaw<{ tag: string | null; cost: bigint; requests: bigint }[]>`
    SELECT t.tag, -SUM(l.amount_micros)::int8 AS cost, COUNT(*) FILTER (WHERE l.kind = 'CHARGE')::int8 AS requests
      FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
      CROSS JOIN LATERAL unnest(CASE WHEN cardinality(g.tags) > 0 THEN g.tags ELSE ARRAY[NULL] END) t(tag)
     WHERE l.kind IN ('CHARGE', 'REFUND') AND l.created_at >= ${from} AND l.created_at < ${to}
     GROUP BY t.tag`;
  return Object.fromEntries(rows.map((row) => [row.tag ?? "(none)", [row.cost, Number(row.requests)]]));
}

async function ledgerByKey(from: Date, to: Date) {
  const rows = await env.server.db.$queryRaw<{ key: string | null; cost: bigint; requests: bigint }[]>`
    SELECT g.api_key_id::text AS key, -SUM(l.amount_micros)::int8 AS cost,
           COUNT(*) FILTER (WHERE l.kind = 'CHARGE')::int8 AS requests
      FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
     WHERE l.kind IN ('CHARGE', 'REFUND') AND l.created_at >= ${from} AND l.created_at < ${to}
     GROUP BY 1`;
  return Object.fromEntries(rows.map((row) => [row.key ?? "(none)", [row.cost, Number(row.requests)]]));
}

async function report(from: Date, to: Date, groupBy: ("TAG" | "API_KEY" | "USER" | "DAY" | "SIZE")[]) {
  const variables = { from: from.toISOString(), to: to.toISOString(), groupBy };
  return dataOf(await env.server.graphql(SpendReportDocument, variables, finance.apiKey)).spendReport;
}

describe("spend by TAG and API_KEY", () => {
  // The server's clock is set for each generation: charges land at chosen minutes around hour boundaries.
  const start = new Date("2025-06-10T09:40:00Z");
  const minute = (m: number) => new Date(start.getTime() + m * 60_000);

  beforeAll(async () => {
    const plan: [number, { apiKey: string }, string[] | null][] = [
      [0, alice, ["web"]],
      [15, bob, ["web", "launch"]],
      [25, alice, null],
      [35, alice, ["launch"]],
      [79, bob, null],
      [81, bob, ["web"]],
      [140, alice, ["web", "launch", "mobile"]],
      [24 * 60 + 5, bob, ["mobile"]],
      [26 * 60 + 50, alice, ["web"]],
    ];
    for (const [m, user, tags] of plan) {
      env.server.setClock(minute(m));
      dataOf(await generate(user.apiKey, tags));
    }
    env.server.setClock(null);
  });

  const windows: [string, Date, Date][] = [
    ["whole hours", new Date("2025-06-10T10:00:00Z"), new Date("2025-06-10T12:00:00Z")],
    ["partial hours at both edges", minute(10), minute(100)],
    ["inside one hour", minute(16), minute(36)],
    ["rolling, over a midnight, partial days and hours", minute(20), minute(26 * 60 + 51)],
    ["all time", new Date("1970-01-01T00:00:00Z"), new Date("9999-12-31T00:00:00Z")],
  ];

  it.each(windows)("%s: each tag's and each key's spend equals the ledger's", async (_name, from, to) => {
    const byTag = await report(from, to, ["TAG"]);
    expect(
      Object.fromEntries(byTag.rows.map((row) => [row.tag ?? "(none)", [micros(row.cost), row.requests]])),
    ).toEqual(await ledgerByTag(from, to));
    const byKey = await report(from, to, ["API_KEY"]);
    expect(
      Object.fromEntries(byKey.rows.map((row) => [row.apiKeyId ?? "(none)", [micros(row.cost), row.requests]])),
    ).toEqual(await ledgerByKey(from, to));
    // The total is the spend, each generation once, whatever the grouping.
    expect(byTag.total).toBe(byKey.total);
    const total = Object.values(await ledgerByKey(from, to)).reduce((sum, [cost]) => sum + (cost as bigint), 0n);
    expect(micros(byTag.total)).toBe(total);
    // With DAY or SIZE (no aggregate has tags) and with USER, the same sums per tag.
    for (const groupBy of [
      ["TAG", "DAY"],
      ["TAG", "SIZE"],
      ["TAG", "USER"],
    ] as const) {
      const rows = (await report(from, to, [...groupBy])).rows;
      const summed: Record<string, [bigint, number]> = {};
      for (const row of rows) {
        const tag = row.tag ?? "(none)";
        const [cost, requests] = summed[tag] ?? [0n, 0];
        summed[tag] = [cost + micros(row.cost), requests + row.requests];
      }
      expect({ groupBy, summed }).toEqual({ groupBy, summed: await ledgerByTag(from, to) });
    }
  });

  it("names the request's API key, and untagged spend is a null tag", async () => {
    const from = minute(0);
    const to = minute(30);
    const byKey = await report(from, to, ["API_KEY"]);
    expect(byKey.rows.map((row) => row.apiKeyId).sort()).toEqual(
      [await keyIdOf(alice.userId), await keyIdOf(bob.userId)].sort(),
    );
    const byTag = await report(from, to, ["TAG"]);
    // alice web (0.006) + bob web, launch (0.006 each) + alice untagged (0.006): three rows, the total 0.018.
    expect(byTag.rows.map((row) => [row.tag, row.cost])).toEqual([
      ["web", "0.012000"],
      ["launch", "0.006000"],
      [null, "0.006000"],
    ]);
    expect(byTag.total).toBe("0.018000");
  });
});

describe("price history", () => {
  const key = { model: "DALL_E_2", size: "SIZE_512X512", quality: "STANDARD" } as const;

  it("lists past, in-force and scheduled prices with their end; the default lists those in force", async () => {
    const future = new Date(Date.now() + 30 * 86_400_000);
    dataOf(
      await env.server.graphql(
        SetPriceDocument,
        { ...key, perImage: "0.02", effectiveFrom: future.toISOString() },
        admin.apiKey,
      ),
    );
    const all = dataOf(await env.server.graphql(PricesDocument, { includeHistory: true }, finance.apiKey)).prices;
    const history = all.filter((p) => p.model === key.model && p.size === key.size && p.quality === key.quality);
    expect(history.map((p) => [p.perImage, p.effectiveTo === null])).toEqual([
      ["0.018000", false],
      ["0.020000", true],
    ]);
    expect(history[0]!.effectiveTo).toBe(future.toISOString());
    const inForce = dataOf(await env.server.graphql(PricesDocument, {}, finance.apiKey)).prices;
    expect(inForce.filter((p) => p.model === key.model && p.size === key.size && p.quality === key.quality)).toEqual([
      expect.objectContaining({ perImage: "0.018000", effectiveTo: future.toISOString() }),
    ]);
  });

  it("refuses a backdated price that a later price overrides; audits an accepted backdated one as such", async () => {
    const longAgo = new Date("2020-01-01T00:00:00Z").toISOString();
    const refused = errorOf(
      await env.server.graphql(SetPriceDocument, { ...key, perImage: "0.5", effectiveFrom: longAgo }, admin.apiKey),
    );
    expect({ code: refused.code, field: refused.extensions?.field }).toEqual({
      code: "BAD_USER_INPUT",
      field: "effectiveFrom",
    });
    expect(refused.message).toMatch(/in the past and a later price \(from .*\) already overrides it/);

    // Backdated by an hour, with nothing later: in force now, accepted, audited with backdated.
    const sdxl = { model: "STABLE_DIFFUSION_XL", size: "SIZE_1024X1024", quality: "STANDARD" } as const;
    const anHourAgo = new Date(Date.now() - 3_600_000).toISOString();
    dataOf(
      await env.server.graphql(
        SetPriceDocument,
        { ...sdxl, perImage: "0.007", effectiveFrom: anHourAgo },
        admin.apiKey,
      ),
    );
    const audit = dataOf(
      await env.server.graphql(AuditLogDocument, { action: "setPrice" as AuditAction, first: 1 }, finance.apiKey),
    ).auditLog.edges[0]!.node;
    expect(audit.after).toMatchObject({ backdated: true, perImageMicros: "7000" });

    // Token prices: the same rule per kind (an hour ago is accepted, two hours ago is then overridden by it), and
    // the history shows each change with every kind in force.
    const tokens1 = {
      model: "GPT_IMAGE_1",
      textInputPerMillion: "1",
      imageInputPerMillion: "1",
      imageOutputPerMillion: "1",
    } as const;
    dataOf(await env.server.graphql(SetTokenPriceDocument, { ...tokens1, effectiveFrom: anHourAgo }, admin.apiKey));
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000).toISOString();
    const tokenRefused = errorOf(
      await env.server.graphql(SetTokenPriceDocument, { ...tokens1, effectiveFrom: twoHoursAgo }, admin.apiKey),
    );
    expect({ code: tokenRefused.code, field: tokenRefused.extensions?.field }).toEqual({
      code: "BAD_USER_INPUT",
      field: "effectiveFrom",
    });
    const nextWeek = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const variables = {
      model: "GPT_IMAGE_1",
      textInputPerMillion: "6",
      imageInputPerMillion: "11",
      imageOutputPerMillion: "41",
    } as const;
    dataOf(await env.server.graphql(SetTokenPriceDocument, { ...variables, effectiveFrom: nextWeek }, admin.apiKey));
    const tokens = dataOf(await env.server.graphql(TokenPricesDocument, { includeHistory: true }, finance.apiKey));
    const gpt1 = tokens.tokenPrices.filter((p) => p.model === "GPT_IMAGE_1");
    expect(gpt1.at(-1)).toMatchObject({
      imageOutputPerMillion: "41.000000",
      effectiveFrom: nextWeek,
      effectiveTo: null,
    });
    expect(gpt1.at(-2)).toMatchObject({ effectiveTo: nextWeek });
    const now = dataOf(await env.server.graphql(TokenPricesDocument, {}, finance.apiKey)).tokenPrices;
    expect(now.find((p) => p.model === "GPT_IMAGE_1")).toMatchObject({ effectiveTo: nextWeek });
  });
});

describe("the audit log", () => {
  it("is FINANCE's to read, filtered by [from, to); a MEMBER is FORBIDDEN", async () => {
    const all = dataOf(await env.server.graphql(AuditLogDocument, { first: 100 }, finance.apiKey)).auditLog.edges;
    expect(all.length).toBeGreaterThanOrEqual(3);
    const times = all.map((edge) => new Date(edge.node.createdAt).getTime());
    const newest = Math.max(...times);
    const window = { from: new Date(newest).toISOString(), to: new Date(newest + 1).toISOString() };
    const inWindow = dataOf(await env.server.graphql(AuditLogDocument, { first: 100, ...window }, finance.apiKey));
    expect(inWindow.auditLog.edges.map((edge) => edge.node.id).sort()).toEqual(
      all
        .filter((edge) => new Date(edge.node.createdAt).getTime() === newest)
        .map((edge) => edge.node.id)
        .sort(),
    );
    const before = dataOf(await env.server.graphql(AuditLogDocument, { first: 100, to: window.from }, finance.apiKey))
      .auditLog.edges;
    expect(before.length + inWindow.auditLog.edges.length).toBe(all.length);
    expect(errorOf(await env.server.graphql(AuditLogDocument, { first: 1 }, alice.apiKey)).code).toBe("FORBIDDEN");
    const reversed = errorOf(
      await env.server.graphql(AuditLogDocument, { from: window.to, to: window.from }, finance.apiKey),
    );
    expect({ code: reversed.code, field: reversed.extensions?.field }).toEqual({ code: "BAD_USER_INPUT", field: "to" });
  });

  it("refuses an unknown action with BAD_USER_INPUT", async () => {
    const error = errorOf(
      await env.server.graphql(AuditLogDocument, { action: "dropEverything" as AuditAction }, finance.apiKey),
    );
    expect(error.code).toBe("BAD_USER_INPUT");
  });
});
