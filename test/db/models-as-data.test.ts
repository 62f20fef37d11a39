import pino from "pino";
import { getNamedType, type GraphQLEnumType } from "graphql";
import { createPrismaClient } from "../../src/db/client";
import { listenForNotifications, type NotificationListener } from "../../src/db/notification-listener";
import { CATALOG } from "../../src/domain/catalog";
import type { Db } from "../../src/domain/db";
import { DomainError } from "../../src/domain/errors";
import { ModelDirectory } from "../../src/domain/models/model-directory";
import { setModelRoute } from "../../src/domain/models/model-routes";
import { pricesInForce } from "../../src/domain/pricing/price-book";
import { tokenPricesInForce } from "../../src/domain/pricing/token-price-book";
import { buildImagegateSchema } from "../../src/graphql/schema";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";

// The catalog, its prices and its routes as data: checked against the migrated database.

let database: TestDatabase;
let db: Db;
const clients: Db[] = [];
const listeners: NotificationListener[] = [];
const NOW = new Date("2026-12-03T12:00:00Z");

beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
  clients.push(db);
});
afterAll(async () => {
  await Promise.all(listeners.map((listener) => listener.stop()));
  await Promise.all(clients.map((client) => client.$disconnect()));
  await database.drop();
});

it("has a per-image price in force for every model, size and quality of the catalog", async () => {
  const prices = await pricesInForce(db, NOW);
  const priced = new Set(prices.map((price) => `${price.model} ${price.size} ${price.quality}`));
  const missing = Object.values(CATALOG).flatMap((spec) =>
    spec.sizes.flatMap((size) => spec.qualities.map((quality) => `${spec.model} ${size} ${quality}`)),
  );
  expect(missing.filter((key) => !priced.has(key))).toEqual([]);
});

it("has token prices in force for every token-billed model, the gpt-image-2 family at the published rates", async () => {
  const prices = await tokenPricesInForce(db, NOW);
  for (const spec of Object.values(CATALOG).filter((spec) => spec.billing === "TOKENS")) {
    const price = prices.find((candidate) => candidate.model === spec.model);
    expect(price?.perMillionMicros.TEXT_INPUT).toEqual(expect.any(BigInt));
    expect(price?.perMillionMicros.IMAGE_OUTPUT).toEqual(expect.any(BigInt));
    if (spec.customSizes !== null) {
      expect(price!.perMillionMicros).toEqual({
        TEXT_INPUT: 5_000_000n,
        CACHED_TEXT_INPUT: 1_250_000n,
        IMAGE_INPUT: 8_000_000n,
        CACHED_IMAGE_INPUT: 2_000_000n,
        IMAGE_OUTPUT: 30_000_000n,
      });
    }
  }
});

it("keeps shut-down models in the schema's ImageModel, deprecated with their date and replacement", async () => {
  const schema = await buildImagegateSchema();
  const imageModel = getNamedType(schema.getType("ImageModel")!) as GraphQLEnumType;
  const deprecated = Object.fromEntries(
    imageModel.getValues().map((value) => [value.name, value.deprecationReason ?? null]),
  );
  expect(deprecated).toMatchObject({
    DALL_E_3: "dall-e-3: shut down upstream on 2026-05-12; use GPT_IMAGE_2_5_SUNBURST",
    GPT_IMAGE_1_MINI: "gpt-image-1-mini: shut down upstream on 2026-12-01; use GPT_IMAGE_2_6_SUNBURST",
    GPT_IMAGE_2: null,
    STABLE_DIFFUSION_XL: null,
  });
});

/** A directory as app.ts wires it: its own client and listener, standing for one process. */
async function startProcess(): Promise<ModelDirectory> {
  const client = createPrismaClient(database.databaseUrl);
  clients.push(client);
  const models = new ModelDirectory(client, { ttlMs: 60_000 });
  let listening = false;
  listeners.push(
    listenForNotifications({
      databaseUrl: database.databaseUrl,
      channel: "imagegate_models",
      onNotification: () => models.forget(),
      onListening: () => {
        models.trust();
        listening = true;
      },
      onLost: () => models.distrust(),
      logger: pino({ level: "silent" }),
    }),
  );
  await eventually(() => listening, 10_000, "the listener to start");
  return models;
}

async function refusal(models: ModelDirectory, model: "DALL_E_2" | "GPT_IMAGE_2_5_FLARE") {
  return models.serve(model, NOW).then(
    () => null,
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );
}

it("applies a route set on one process to another at once, through the database's notification", async () => {
  await db.modelRoute.deleteMany();
  const [a, b] = [await startProcess(), await startProcess()];
  // Both keep what they loaded now.
  for (const process of [a, b]) {
    expect(await refusal(process, "DALL_E_2")).toBe("MODEL_RETIRED");
    expect(await refusal(process, "GPT_IMAGE_2_5_FLARE")).toBeNull();
  }

  const actor = null;
  await db.$transaction((tx) =>
    setModelRoute(tx, { model: "DALL_E_2", servedBy: "GPT_IMAGE_2", enabled: true, actorId: actor, now: NOW }),
  );
  await db.$transaction((tx) =>
    setModelRoute(tx, { model: "GPT_IMAGE_2_5_FLARE", servedBy: null, enabled: false, actorId: actor, now: NOW }),
  );

  for (const process of [a, b]) {
    await eventually(async () => (await refusal(process, "GPT_IMAGE_2_5_FLARE")) === "MODEL_RETIRED", 10_000, "news");
    expect(await process.serve("DALL_E_2", NOW)).toBe("GPT_IMAGE_2");
  }
  expect(await db.auditLogEntry.count({ where: { action: "setModelRoute" } })).toBe(2);
});
