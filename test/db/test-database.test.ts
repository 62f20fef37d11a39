import type { ImageModel } from "../../src/domain/enums";
import { createPrismaClient } from "../../src/db/client";
import { withConnection } from "../../src/db/postgres-admin";
import { createTestDatabase, type TestDatabase } from "../support/database";

// The list prices of API.md in micro-dollars, transcribed independently of the migration that seeds them.
const LIST_PRICES: Array<[model: string, quality: string, size: string, perImageMicros: bigint]> = [
  ["DALL_E_3", "STANDARD", "SIZE_1024X1024", 40_000n],
  ["DALL_E_3", "STANDARD", "SIZE_1792X1024", 80_000n],
  ["DALL_E_3", "STANDARD", "SIZE_1024X1792", 80_000n],
  ["DALL_E_3", "HD", "SIZE_1024X1024", 80_000n],
  ["DALL_E_3", "HD", "SIZE_1792X1024", 120_000n],
  ["DALL_E_3", "HD", "SIZE_1024X1792", 120_000n],
  ["DALL_E_2", "STANDARD", "SIZE_1024X1024", 20_000n],
  ["DALL_E_2", "STANDARD", "SIZE_512X512", 18_000n],
  ["DALL_E_2", "STANDARD", "SIZE_256X256", 16_000n],
  ...(["SIZE_1024X1024", "SIZE_1536X1024", "SIZE_1024X1536"] as const).flatMap((size) => {
    const square = size === "SIZE_1024X1024";
    return [
      ["GPT_IMAGE_1", "LOW", size, square ? 11_000n : 16_000n],
      ["GPT_IMAGE_1", "MEDIUM", size, square ? 42_000n : 63_000n],
      ["GPT_IMAGE_1", "HIGH", size, square ? 167_000n : 250_000n],
      ["GPT_IMAGE_1_MINI", "LOW", size, square ? 5_000n : 6_000n],
      ["GPT_IMAGE_1_MINI", "MEDIUM", size, square ? 11_000n : 15_000n],
      ["GPT_IMAGE_1_MINI", "HIGH", size, square ? 36_000n : 52_000n],
    ] as Array<[string, string, string, bigint]>;
  }),
  ["STABLE_DIFFUSION_XL", "STANDARD", "SIZE_1024X1024", 6_000n],
];

const TOKEN_PRICES: Array<[model: string, kind: string, perMillionTokensMicros: bigint]> = [
  ["GPT_IMAGE_1", "TEXT_INPUT", 5_000_000n],
  ["GPT_IMAGE_1", "IMAGE_INPUT", 10_000_000n],
  ["GPT_IMAGE_1", "IMAGE_OUTPUT", 40_000_000n],
  ["GPT_IMAGE_1_MINI", "TEXT_INPUT", 2_000_000n],
  ["GPT_IMAGE_1_MINI", "IMAGE_INPUT", 2_500_000n],
  ["GPT_IMAGE_1_MINI", "IMAGE_OUTPUT", 8_000_000n],
];

const byKey = (a: string, b: string) => a.localeCompare(b);

describe("createTestDatabase", () => {
  let database: TestDatabase;
  let prisma: ReturnType<typeof createPrismaClient>;

  beforeAll(async () => {
    database = await createTestDatabase();
    prisma = createPrismaClient(database.databaseUrl);
  });

  afterAll(async () => {
    await prisma.$disconnect();
    await database.drop();
  });

  it("is migrated and seeded with every cell of the first list-price table, in force since 1970", async () => {
    // The gpt-image-2 family's seeds are checked in test/db/models-as-data.test.ts.
    const firstModels = {
      model: { in: ["DALL_E_2", "DALL_E_3", "GPT_IMAGE_1", "GPT_IMAGE_1_MINI", "STABLE_DIFFUSION_XL"] as ImageModel[] },
    };
    const prices = await prisma.price.findMany({ where: firstModels });
    expect(prices.map((p) => `${p.model} ${p.quality} ${p.size} ${p.perImageMicros}`).sort(byKey)).toEqual(
      LIST_PRICES.map(([model, quality, size, micros]) => `${model} ${quality} ${size} ${micros}`).sort(byKey),
    );
    expect(new Set(prices.map((p) => p.effectiveFrom.toISOString()))).toEqual(new Set(["1970-01-01T00:00:00.000Z"]));
    const tokenPrices = await prisma.tokenPrice.findMany({ where: firstModels });
    expect(tokenPrices.map((p) => `${p.model} ${p.kind} ${p.perMillionTokensMicros}`).sort(byKey)).toEqual(
      TOKEN_PRICES.map(([model, kind, micros]) => `${model} ${kind} ${micros}`).sort(byKey),
    );
  });

  it("refuses credit reserved beyond the balance, and negative reservations", async () => {
    const user = await prisma.user.create({ data: { email: "check@example.com", balanceMicros: 100n } });

    await expect(prisma.user.update({ where: { id: user.id }, data: { reservedMicros: 101n } })).rejects.toThrow(
      /users_reserved_within_balance/,
    );
    await expect(prisma.user.update({ where: { id: user.id }, data: { reservedMicros: -1n } })).rejects.toThrow(
      /users_reserved_micros_nonnegative/,
    );
    const fullyReserved = await prisma.user.update({ where: { id: user.id }, data: { reservedMicros: 100n } });
    expect(fullyReserved.reservedMicros).toBe(100n);
  });

  it("refuses non-positive prices, negative token prices and holds, and n outside 1..10", async () => {
    const violations = await withConnection(database.databaseUrl, async (client) => {
      const attempts = [
        `INSERT INTO prices (id, model, size, quality, per_image_micros, effective_from)
           VALUES (gen_random_uuid(), 'DALL_E_3', 'SIZE_1024X1024', 'STANDARD', 0, now())`,
        `INSERT INTO token_prices (id, model, kind, per_million_tokens_micros, effective_from)
           VALUES (gen_random_uuid(), 'GPT_IMAGE_1', 'TEXT_INPUT', -1, now())`,
        `WITH u AS (INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'n@example.com') RETURNING id)
         INSERT INTO image_generations (id, user_id, provider, model, requested_model, size, width, height, quality,
                                        n, prompt, response_format, price_id, per_image_micros, hold_micros)
           SELECT gen_random_uuid(), u.id, 'local', 'DALL_E_2', 'DALL_E_2', 'SIZE_256X256', 256, 256, 'STANDARD', 11,
                  'p', 'URL',
                  (SELECT id FROM prices LIMIT 1), 1, 1 FROM u`,
        `WITH u AS (INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'h@example.com') RETURNING id),
              g AS (INSERT INTO image_generations (id, user_id, provider, model, requested_model, size, width,
                                                   height, quality, n, prompt, response_format, price_id,
                                                   per_image_micros, hold_micros)
                    SELECT gen_random_uuid(), u.id, 'local', 'DALL_E_2', 'DALL_E_2', 'SIZE_256X256', 256, 256,
                           'STANDARD', 1, 'p', 'URL',
                           (SELECT id FROM prices LIMIT 1), 1, 1 FROM u RETURNING id, user_id)
         INSERT INTO holds (id, user_id, generation_id, amount_micros, expires_at)
           SELECT gen_random_uuid(), g.user_id, g.id, -1, now() FROM g`,
      ];
      const constraints: string[] = [];
      for (const sql of attempts) {
        const error = await client.query(sql).then(
          () => undefined,
          (failure: { code?: string; constraint?: string }) => failure,
        );
        expect(error?.code).toBe("23514"); // check_violation
        constraints.push(error?.constraint ?? "");
      }
      return constraints;
    });
    expect(violations).toEqual([
      "prices_per_image_micros_positive",
      "token_prices_per_million_tokens_micros_nonnegative",
      "image_generations_n_range",
      "holds_amount_micros_nonnegative",
    ]);
  });

  it("gives every caller a database of its own", async () => {
    const others = await Promise.all([createTestDatabase(), createTestDatabase(), createTestDatabase()]);
    try {
      expect(new Set([database.name, ...others.map((other) => other.name)]).size).toBe(4);
      await prisma.user.create({ data: { email: "only-here@example.com" } });
      for (const other of others) {
        const found = await withConnection(other.databaseUrl, (client) =>
          client.query("SELECT 1 FROM users WHERE email = 'only-here@example.com'"),
        );
        expect(found.rowCount).toBe(0);
      }
    } finally {
      await Promise.all(others.map((other) => other.drop()));
    }
    const serverUrl = process.env.IMAGEGATE_TEST_SERVER_URL ?? "";
    const remaining = await withConnection(serverUrl, (client) =>
      client.query("SELECT 1 FROM pg_database WHERE datname = ANY($1)", [others.map((other) => other.name)]),
    );
    expect(remaining.rowCount).toBe(0);
  });
});
