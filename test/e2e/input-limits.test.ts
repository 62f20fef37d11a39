import { execFile } from "node:child_process";
import path from "node:path";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { parse, print } from "graphql";
import { MoneyFormatError } from "../../src/domain/money";
import {
  AuditLogDocument,
  BudgetAlertsDocument,
  GenerateImageDocument,
  GenerationsDocument,
  GrantCreditsDocument,
  LedgerDocument,
  SetBudgetDocument,
  SetPriceDocument,
  SpendReportDocument,
} from "../generated/graphql";
import { dataOf, errorOf, executeOperation, type GraphQLResponse } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

// Inputs at and past the limits the product sets: Money's maximum, int8 balances, owner locks, dates.

const ROOT = path.resolve(__dirname, "../..");
const MAX_MONEY = "1000000000.000000";
const INT8_MAX_MICROS = 2n ** 63n - 1n;
const TOO_LARGE = ["1000000000.000001", "-1000000000.000001", "999999999999999", `1${"0".repeat(5000)}`];
const EXTREME_DATES = [
  "-271821-04-20T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z",
  "0000-01-01T00:00:00.000Z",
  "1969-12-31T23:59:59.999Z",
];

let server: TestServer;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  server = await startTestServer();
  admin = await server.createUser("ADMIN");
});
afterAll(() => server.close());

/** A document written by hand, for values that must sit inline in it rather than in variables. */
const inline = (query: string) => executeOperation(server.url, parse(query) as TypedDocumentNode, {}, admin.apiKey);

const cursorAt = (iso: string, id: string) => Buffer.from(`${iso}|${id}`).toString("base64url");

describe("Money inputs are at most $1,000,000,000 either side of zero", () => {
  it.each(TOO_LARGE.map((amount) => [amount.slice(0, 20), amount]))(
    "refuses %s in every Money argument, as a variable",
    async (_, amount) => {
      const { userId } = await server.createUser("MEMBER");
      const responses = [
        await server.graphql(GrantCreditsDocument, { userId, amount, reason: "too much" }, admin.apiKey),
        await server.graphql(SetBudgetDocument, { userId, period: "DAILY", limit: amount }, admin.apiKey),
        await server.graphql(
          SetPriceDocument,
          { model: "DALL_E_2", size: "SIZE_512X512", quality: "STANDARD", perImage: amount },
          admin.apiKey,
        ),
      ];
      for (const response of responses) {
        const error = errorOf(response);
        expect(error.code).toBe("BAD_USER_INPUT");
        expect(error.message).toContain(MAX_MONEY);
      }
      expect(await server.db.ledgerEntry.count({ where: { userId } })).toBe(0);
    },
  );

  it("refuses a too large amount written inline, with the same message", async () => {
    const error = errorOf(
      await inline(
        `mutation { grantCredits(userId: "${admin.userId}", amount: "999999999999999", reason: "x") { id } }`,
      ),
    );
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toContain(MAX_MONEY);
  });

  it("accepts the maximum: a price of it times n=10 is charged without overflow", async () => {
    const { userId, apiKey } = await server.createUser("MEMBER");
    for (let grant = 0; grant < 10; grant++) {
      dataOf(await server.graphql(GrantCreditsDocument, { userId, amount: MAX_MONEY, reason: "max" }, admin.apiKey));
    }
    const price = { model: "DALL_E_2", size: "SIZE_256X256", quality: "STANDARD" } as const;
    const set = dataOf(await server.graphql(SetPriceDocument, { ...price, perImage: MAX_MONEY }, admin.apiKey));
    expect(set.setPrice.perImage).toBe(MAX_MONEY);
    const generated = dataOf(
      await server.graphql(GenerateImageDocument, { input: { prompt: "gold", ...price, n: 10 } }, apiKey),
    );
    expect(generated.generateImage.cost).toBe("10000000000.000000");
    // Later tests in this file generate nothing, but leave the list price as it was.
    dataOf(await server.graphql(SetPriceDocument, { ...price, perImage: "0.016" }, admin.apiKey));
  });

  it("the CLI's create-user --credits refuses more than the maximum", async () => {
    await expect(server.createUser("MEMBER", "1000000000.000001")).rejects.toThrow(MoneyFormatError);
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ["-r", "@swc-node/register", "src/cli/main.ts", "create-user", "--email", "rich@example.com"].concat([
          "--role",
          "MEMBER",
          "--credits",
          "2000000000",
        ]),
        { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: server.databaseUrl }, timeout: 60_000 },
        (error, _stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stderr }),
      );
    });
    expect(code).toBe(1);
    expect(stderr).toContain(`error: "2000000000" exceeds the maximum of ${MAX_MONEY} US dollars`);
    expect(await server.db.user.count({ where: { email: "rich@example.com" } })).toBe(0);
  }, 60_000);
});

describe("a balance that would pass int8", () => {
  it("is BAD_USER_INPUT on amount, and nothing changes", async () => {
    const { userId } = await server.createUser("MEMBER", "1");
    // Thousands of maximal grants, short-cut: the balance is set near the limit directly, and restored after so
    // that verify-ledger (run when the server closes) still finds it equal to the ledger.
    const nearLimitMicros = INT8_MAX_MICROS - 500_000_000_000_000n;
    await server.db.$executeRaw`UPDATE users SET balance_micros = ${nearLimitMicros} WHERE id = ${userId}::uuid`;
    try {
      const error = errorOf(
        await server.graphql(GrantCreditsDocument, { userId, amount: MAX_MONEY, reason: "one too many" }, admin.apiKey),
      );
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.extensions?.field).toBe("amount");
      expect(error.message).toContain("9223372036854.775807");
      const user = await server.db.user.findUniqueOrThrow({ where: { id: userId } });
      expect(user.balanceMicros).toBe(nearLimitMicros);
      expect(await server.db.ledgerEntry.count({ where: { userId } })).toBe(1);
    } finally {
      await server.db.$executeRaw`UPDATE users SET balance_micros = 1000000 WHERE id = ${userId}::uuid`;
    }
  });
});

describe("a Money value written inline in the document", () => {
  it.each([
    ['"1.0000001"', "at most six fractional digits"],
    ["1.5", "FloatValue"],
  ])("%s is BAD_USER_INPUT with the scalar's message, as it would be as a variable", async (literal, message) => {
    const error = errorOf(
      await inline(`mutation { grantCredits(userId: "${admin.userId}", amount: ${literal}, reason: "x") { id } }`),
    );
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.message).toContain(message);
    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", requestId: expect.any(String) });
  });

  it("leaves other validation errors as GRAPHQL_VALIDATION_FAILED", async () => {
    expect(errorOf(await inline("{ me { noSuchField } }")).code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("concurrent first setBudget calls for one owner", () => {
  it("all succeed, leaving one budget per period, each call audited", async () => {
    for (let round = 0; round < 3; round++) {
      const { userId } = await server.createUser("MEMBER");
      const calls = (["DAILY", "MONTHLY"] as const).flatMap((period) =>
        Array.from({ length: 6 }, (_, i) =>
          server.graphql(SetBudgetDocument, { userId, period, limit: `${i + 1}` }, admin.apiKey),
        ),
      );
      for (const response of await Promise.all(calls)) dataOf(response);
      const budgets = await server.db.budget.findMany({ where: { userId } });
      expect(budgets.map((budget) => budget.period).sort()).toEqual(["DAILY", "MONTHLY"]);
      for (const budget of budgets) {
        expect(await server.db.auditLogEntry.count({ where: { action: "setBudget", targetId: budget.id } })).toBe(6);
      }
    }
  });
});

describe("dates out of range", () => {
  it.each(EXTREME_DATES)("a cursor dated %s is BAD_USER_INPUT on after, in every connection", async (iso) => {
    const after = cursorAt(iso, admin.userId);
    const responses = [
      await server.graphql(GenerationsDocument, { after }, admin.apiKey),
      await server.graphql(LedgerDocument, { after }, admin.apiKey),
      await server.graphql(AuditLogDocument, { after }, admin.apiKey),
      await server.graphql(BudgetAlertsDocument, { after }, admin.apiKey),
    ];
    for (const response of responses) {
      const error = errorOf(response);
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.extensions?.field).toBe("after");
    }
  });

  it("a cursor the API returned still pages on", async () => {
    const first = dataOf(await server.graphql(AuditLogDocument, { first: 1 }, admin.apiKey)).auditLog;
    const after = first.pageInfo.endCursor!;
    const next = dataOf(await server.graphql(AuditLogDocument, { first: 1, after }, admin.apiKey)).auditLog;
    expect(next.edges[0]!.node.id).not.toBe(first.edges[0]!.node.id);
  });

  it.each(["0000-01-01T00:00:00.000Z", "9999-12-31T23:59:59-23:59", "1969-12-31T23:59:59Z"])(
    "setPrice with effectiveFrom %s is BAD_USER_INPUT on effectiveFrom, and adds no price",
    async (effectiveFrom) => {
      const before = await server.db.price.count();
      const error = errorOf(
        await server.graphql(
          SetPriceDocument,
          { model: "DALL_E_2", size: "SIZE_512X512", quality: "STANDARD", perImage: "0.02", effectiveFrom },
          admin.apiKey,
        ),
      );
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.extensions?.field).toBe("effectiveFrom");
      expect(await server.db.price.count()).toBe(before);
    },
  );

  it("spendReport refuses dates outside 1970 to 9999 on the field named", async () => {
    const error = errorOf(
      await server.graphql(
        SpendReportDocument,
        { from: "0000-01-01T00:00:00.000Z", to: "2020-01-01T00:00:00.000Z", groupBy: [] },
        admin.apiKey,
      ),
    );
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.field).toBe("from");
  });
});

describe("spend over a range", () => {
  it.each(["user", "team"] as const)("%s.spend refuses a date outside 1970 to 9999 on the field named", async (of) => {
    const id =
      of === "user"
        ? admin.userId
        : dataOf(await inline(`mutation { createTeam(name: "spend-range-${Date.now()}") { id } }`)).createTeam.id;
    const response = await inline(`{ ${of}(id: "${id}") { spend(from: "0000-01-01T00:00:00Z") } }`);
    expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "from" } });
    const inRange = await inline(`{ ${of}(id: "${id}") { spend(from: "2020-01-01T00:00:00Z") } }`);
    expect(dataOf(inRange)[of].spend).toBe("0.000000");
  });
});

describe("a string holding U+0000, which PostgreSQL's text cannot store", () => {
  const post = (body: object, apiKey = admin.apiKey) =>
    fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(body),
    });

  it("is refused in a variable, 400 BAD_USER_INPUT naming its path, before anything is recorded", async () => {
    const member = await server.createUser("MEMBER", "1");
    const response = await post(
      {
        query: print(GenerateImageDocument),
        variables: { input: { prompt: "a lighthouse\u0000", model: "DALL_E_2", size: "SIZE_256X256" } },
      },
      member.apiKey,
    );
    expect(response.status).toBe(400);
    expect(errorOf((await response.json()) as GraphQLResponse<unknown>)).toMatchObject({
      code: "BAD_USER_INPUT",
      extensions: { field: "input.prompt" },
    });
    expect(await server.db.imageGeneration.count({ where: { userId: member.userId } })).toBe(0);
  });

  it.each([
    ['mutation { createTeam(name: "a\\u0000b") { id } }', "name"],
    ['{ users(search: "ann\\u0000") { edges { cursor } } }', "search"],
    ['mutation { generateImage(input: { prompt: "x\\u0000", model: DALL_E_2 }) { id } }', "input.prompt"],
  ])("is refused written in the document: %s", async (query, field) => {
    const response = await post({ query });
    expect(response.status).toBe(400);
    expect(errorOf((await response.json()) as GraphQLResponse<unknown>)).toMatchObject({
      code: "BAD_USER_INPUT",
      extensions: { field },
    });
  });

  it("is refused in a variable's default value", async () => {
    const query = 'query ($search: String = "ann\\u0000") { users(search: $search) { edges { cursor } } }';
    const response = await post({ query });
    expect(response.status).toBe(400);
    expect(errorOf((await response.json()) as GraphQLResponse<unknown>)).toMatchObject({
      code: "BAD_USER_INPUT",
      extensions: { field: "search" },
    });
  });

  it("is looked for in variables nested 200,000 deep without exhausting the stack", async () => {
    const depth = 200_000;
    const body = `{"query":"{ __typename }","variables":{"deep":${"[".repeat(depth)}"x"${"]".repeat(depth)}}}`;
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${admin.apiKey}` },
      body,
    });
    expect(await response.json()).toEqual({ data: { __typename: "Query" } });
  });

  it("is told apart from the six characters \\u0000 in a string", async () => {
    const { userId } = await server.createUser("MEMBER");
    const reason = "see C:\\u0000\\notes";
    const granted = dataOf(await server.graphql(GrantCreditsDocument, { userId, amount: "1", reason }, admin.apiKey));
    expect(granted.grantCredits.reason).toBe(reason);
  });
});

describe("a string holding an unpaired UTF-16 surrogate, which is no character and would be stored as U+FFFD", () => {
  const post = (body: object, apiKey = admin.apiKey) =>
    fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify(body),
    });
  const generate = (input: Record<string, unknown>, apiKey: string) =>
    post({ query: print(GenerateImageDocument), variables: { input: { model: "DALL_E_2", ...input } } }, apiKey);

  it("is refused, 400 BAD_USER_INPUT naming the field, on every try and for every such key", async () => {
    const member = await server.createUser("MEMBER", "1");
    // Each once stored as "key-\uFFFD": a retry of the first was refused as a different request, and the second
    // answered the first's generation.
    const keys = ["key-\ud800", "key-\ud800", "key-\udbff", "\udc00-key"];
    for (const idempotencyKey of keys) {
      const response = await generate({ prompt: "a quay", idempotencyKey }, member.apiKey);
      expect(response.status).toBe(400);
      const error = errorOf((await response.json()) as GraphQLResponse<unknown>);
      expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "input.idempotencyKey" } });
      expect(error.message).toMatch(/^input\.idempotencyKey contains an unpaired surrogate \(U\+D[89ABC]/);
    }
    const prompt = await generate({ prompt: "a quay \udfff" }, member.apiKey);
    expect(errorOf((await prompt.json()) as GraphQLResponse<unknown>)).toMatchObject({
      code: "BAD_USER_INPUT",
      extensions: { field: "input.prompt" },
      message: "input.prompt contains an unpaired surrogate (U+DFFF), which no input may hold",
    });
    expect(await server.db.imageGeneration.count({ where: { userId: member.userId } })).toBe(0);
  });

  it("a surrogate pair (an emoji) is a character like any other, kept exactly under its key", async () => {
    const member = await server.createUser("MEMBER", "1");
    const input = { prompt: "a quay \u{1F6A2}", idempotencyKey: "ship-\u{1F6A2}", size: "SIZE_256X256" };
    const first = dataOf((await (await generate(input, member.apiKey)).json()) as GraphQLResponse<never>);
    const retry = dataOf((await (await generate(input, member.apiKey)).json()) as GraphQLResponse<never>);
    expect(retry).toEqual(first);
    const stored = await server.db.imageGeneration.findFirstOrThrow({ where: { userId: member.userId } });
    expect([stored.prompt, stored.idempotencyKey]).toEqual([input.prompt, input.idempotencyKey]);
  });

  it("written in the document, GraphQL's parser refuses it already", async () => {
    const response = await post({ query: 'mutation { createTeam(name: "a\\ud800b") { id } }' });
    expect(errorOf((await response.json()) as GraphQLResponse<unknown>).code).toBe("GRAPHQL_PARSE_FAILED");
  });
});
