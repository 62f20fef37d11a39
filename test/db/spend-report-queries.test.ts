import { PrismaPg } from "@prisma/adapter-pg";
import { graphql, print, type GraphQLSchema } from "graphql";
import { PrismaClient } from "../../src/generated/prisma/client";
import type { GraphQLContext, Services } from "../../src/graphql/context";
import { createLoaders } from "../../src/graphql/loaders";
import { buildImagegateSchema } from "../../src/graphql/schema";
import { SpendReportDocument } from "../generated/graphql";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { principalOf } from "../support/principal";

// No N+1: one spendReport costs the same number of statements whatever its number of rows — the report itself,
// then one batched lookup per kind of row it links to (users, teams), counted from Prisma's query events.

let database: TestDatabase;
let db: PrismaClient<"query">;
let schema: GraphQLSchema;
const statements: string[] = [];
const FINANCE = principalOf({ userId: "00000000-0000-4000-8000-000000000001", role: "FINANCE" });

beforeAll(async () => {
  database = await createTestDatabase();
  db = new PrismaClient({
    adapter: new PrismaPg({ connectionString: database.databaseUrl }),
    log: [{ emit: "event", level: "query" }],
  });
  db.$on("query", (event) => statements.push(event.query));
  schema = await buildImagegateSchema();
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

/** `users` users in `teams` teams, each with spend on `days` days of March 2024 on two models. */
async function seed(prefix: string, users: number, teams: number, days: number) {
  await db.$executeRaw`
    INSERT INTO teams (id, name) SELECT gen_random_uuid(), ${prefix} || t FROM generate_series(1, ${teams}::int) t`;
  await db.$executeRaw`
    INSERT INTO users (id, email, team_id)
    SELECT gen_random_uuid(), ${prefix} || u || '@example.com',
           (SELECT id FROM teams WHERE name = ${prefix} || (u % ${teams}::int + 1))
      FROM generate_series(1, ${users}::int) u`;
  await db.$executeRaw`
    INSERT INTO spend_daily (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
    SELECT '2024-03-01'::date + d, u.id, u.team_id, m.model::"ImageModel", 'SIZE_1024X1024', 'STANDARD', 1, 1, 40000
      FROM users u, generate_series(0, ${days - 1}::int) d, (VALUES ('DALL_E_3'), ('DALL_E_2')) m(model)
     WHERE u.email LIKE ${prefix} || '%'`;
}

async function countedReport(from: string, to: string) {
  const contextValue: GraphQLContext = {
    principal: FINANCE,
    services: { db: db as unknown as Services["db"], timeZone: "UTC" } as Services,
    loaders: createLoaders(db),
  };
  statements.length = 0;
  const result = await graphql({
    schema,
    source: print(SpendReportDocument),
    variableValues: { from, to, groupBy: ["USER", "TEAM", "MODEL", "DAY"] },
    contextValue,
  });
  expect(result.errors).toBeUndefined();
  const rows = (result.data as { spendReport: { rows: { user: { email: string }; team: { name: string } }[] } })
    .spendReport.rows;
  expect(rows.every((row) => row.user.email.length > 0 && row.team.name.length > 0)).toBe(true);
  return { rows: rows.length, statements: [...statements] };
}

it("issues three statements for 12 rows and for 1 086 rows, partial days included", async () => {
  await seed("small", 3, 2, 2);
  const small = await countedReport("2024-03-01T00:00:00Z", "2024-03-03T00:00:00Z");
  await seed("large", 60, 7, 10);
  // The 1st is a partial day here (from 06:00), read from the ledger, which has nothing: 9 days of 60 users and
  // 2 models, and the small set's 2nd.
  const large = await countedReport("2024-03-01T06:00:00Z", "2024-03-11T00:00:00Z");
  expect(small.rows).toBe(12);
  expect(large.rows).toBe(60 * 2 * 9 + 3 * 2);
  expect(small.statements).toHaveLength(3);
  expect(large.statements).toHaveLength(3);
  expect(large.statements[0]).toMatch(/FROM spend_daily/);
  expect(
    large.statements
      .slice(1)
      .map((sql) => /FROM "public"\."(\w+)"/.exec(sql)?.[1])
      .sort(),
  ).toEqual(["teams", "users"]);
});
