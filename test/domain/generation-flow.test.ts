import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Principal } from "../../src/domain/accounts/principal";
import { createPrismaClient } from "../../src/db/client";
import type { Db } from "../../src/domain/db";
import { ImageModel, ImageSize } from "../../src/domain/enums";
import { GenerationService } from "../../src/domain/generation/generation.service";
import type { ImageProvider, ProviderImageRequest } from "../../src/domain/generation/image-provider";
import type { Logger } from "../../src/domain/logger";
import { verifyLedger } from "../../src/domain/ledger/verify-ledger";
import { createOpenAIProvider } from "../../src/providers/openai";
import { SegmentImageStorage } from "../../src/storage/segment-storage";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { accountMicros, createFundedUser } from "../support/hold-fixtures";
import { recordingUpdates } from "../support/recording-updates";
import { principalOf } from "../support/principal";

// The generation flow driven directly, with no GraphQL and no HTTP server of ours: real PostgreSQL, the real OpenAI
// provider (the SDK) against the fake OpenAI server.

const SILENT: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
/** DALL_E_2 at 256x256: 0.016 USD an image (the template's seeded price). */
const REQUEST = { prompt: "a lighthouse", model: ImageModel.DALL_E_2, size: ImageSize.SIZE_256X256 };
const PRICE_MICROS = 16_000n;

let database: TestDatabase;
let db: Db;
let openai: FakeOpenAI;
let dataDir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.databaseUrl);
  openai = await startFakeOpenAI();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "imagegate-flow-"));
});
afterAll(async () => {
  const report = await verifyLedger(db);
  await db.$disconnect();
  await database.drop();
  await openai.close();
  await rm(dataDir, { recursive: true, force: true });
  expect(report).toMatchObject({ ok: true });
});
beforeEach(() => openai.reset());

/** The real OpenAI provider, with each call's request and the caller's account as it stood during the call. */
function observedProvider(userId: () => string) {
  const real = createOpenAIProvider({
    apiKey: openai.apiKey,
    baseURL: openai.baseURL,
    timeoutMs: 5_000,
    maxRetries: 0,
  });
  const calls: Array<{ request: ProviderImageRequest; account: Awaited<ReturnType<typeof accountMicros>> }> = [];
  const provider: ImageProvider = {
    name: "openai",
    async generate(request, options) {
      calls.push({ request, account: await accountMicros(db, userId()) });
      return real.generate(request, options);
    },
    edit: (request, options) => real.edit(request, options),
  };
  return { provider, calls };
}

function serviceWith(provider: ImageProvider, updates = recordingUpdates(), maxBackgroundRuns = 100) {
  const service = new GenerationService({
    db,
    providers: { forModel: () => provider },
    storage: new SegmentImageStorage(dataDir),
    rateLimiter: { consume: async () => undefined, close: async () => undefined },
    models: { serve: async (model) => model },
    defaultModel: ImageModel.DALL_E_2,
    holdTtlMs: 60_000,
    maxBackgroundRuns,
    timeZone: "UTC",
    userTag: (id) => `tag-${id.slice(0, 8)}`,
    logger: SILENT,
    updates,
  });
  return { service, updates };
}

async function member(credits = "1.00"): Promise<Principal> {
  return principalOf({ userId: await createFundedUser(db, credits), role: "MEMBER" });
}

describe("the generation flow, without GraphQL", () => {
  it("holds the price before calling the provider, then charges it once and frees the hold", async () => {
    const principal = await member();
    const { provider, calls } = observedProvider(() => principal.userId);
    const { service, updates } = serviceWith(provider);

    const generation = await service.generate(principal, REQUEST);

    expect(generation).toMatchObject({ status: "SUCCEEDED", costMicros: PRICE_MICROS, n: 1 });
    expect(generation.images).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.request).toMatchObject({ model: "DALL_E_2", width: 256, height: 256, n: 1 });
    // During the provider's call the price was held, not yet charged.
    expect(calls[0]!.account).toEqual({ balanceMicros: 1_000_000n, reservedMicros: PRICE_MICROS, openHolds: 1 });
    expect(await accountMicros(db, principal.userId)).toEqual({
      balanceMicros: 1_000_000n - PRICE_MICROS,
      reservedMicros: 0n,
      openHolds: 0,
    });
    expect(await db.ledgerEntry.count({ where: { userId: principal.userId, kind: "CHARGE" } })).toBe(1);
    // A synchronous caller has its answer: no announcement costs its hot path (run-generation.ts).
    expect(updates.changes(generation.id)).toBe(0);
  });

  it("releases the hold when the provider fails: FAILED with its code, nothing charged", async () => {
    const principal = await member();
    const { provider, calls } = observedProvider(() => principal.userId);
    const { service, updates } = serviceWith(provider);
    openai.script("contentPolicy");

    await expect(service.generate(principal, REQUEST)).rejects.toMatchObject({ code: "CONTENT_POLICY_VIOLATION" });

    expect(calls).toHaveLength(1);
    expect(calls[0]!.account.reservedMicros).toBe(PRICE_MICROS);
    expect(await accountMicros(db, principal.userId)).toEqual({
      balanceMicros: 1_000_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
    const stored = await db.imageGeneration.findFirstOrThrow({ where: { userId: principal.userId } });
    expect(stored).toMatchObject({ status: "FAILED", errorCode: "CONTENT_POLICY_VIOLATION", costMicros: 0n });
    expect(await db.ledgerEntry.count({ where: { userId: principal.userId, kind: "CHARGE" } })).toBe(0);
    expect(updates.changes(stored.id)).toBe(0);
  });

  it("refuses before any hold or provider call when the credit does not cover the price", async () => {
    const principal = await member("0.01");
    const { provider, calls } = observedProvider(() => principal.userId);
    const { service, updates } = serviceWith(provider);

    await expect(service.generate(principal, REQUEST)).rejects.toMatchObject({ code: "INSUFFICIENT_CREDITS" });

    expect(calls).toHaveLength(0);
    expect(await db.imageGeneration.count({ where: { userId: principal.userId } })).toBe(0);
    expect(updates.events).toEqual([]);
  });

  it("start answers PENDING with the price held; the run goes on and is charged once", async () => {
    const principal = await member();
    const { provider, calls } = observedProvider(() => principal.userId);
    const gate = openGate();
    const { service, updates } = serviceWith(gated(provider, gate.opened));

    const pending = await service.start(principal, REQUEST);

    expect(pending).toMatchObject({ status: "PENDING", costMicros: 0n, images: [] });
    expect(await accountMicros(db, principal.userId)).toMatchObject({ reservedMicros: PRICE_MICROS, openHolds: 1 });
    expect(service.holdsInFlight).toBe(1);
    gate.open();
    await eventually(() => updates.changes(pending.id) === 2, 10_000, "the run's end to be announced");
    expect(calls).toHaveLength(1);
    const stored = await db.imageGeneration.findUniqueOrThrow({ where: { id: pending.id } });
    expect(stored).toMatchObject({ status: "SUCCEEDED", costMicros: PRICE_MICROS });
    expect(await db.ledgerEntry.count({ where: { userId: principal.userId, kind: "CHARGE" } })).toBe(1);
    expect(service.holdsInFlight).toBe(0);
  });

  it("a drain waits for a started run; an interrupt releases it", async () => {
    const principal = await member();
    const { provider } = observedProvider(() => principal.userId);
    const gate = openGate();
    const { service } = serviceWith(gated(provider, gate.opened));
    const pending = await service.start(principal, REQUEST);

    const drained = await service.drain(50);

    expect(drained).toEqual({ unfinished: 1, holding: [pending.id] });
    await expect(service.start(principal, REQUEST)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(await service.interruptInFlight()).toBe(1);
    expect(await db.imageGeneration.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({
      status: "FAILED",
      errorCode: "INTERRUPTED",
    });
    gate.open();
    // The provider's late answer finds no hold: nothing is charged.
    await eventually(async () => (await service.drain(1_000)).unfinished === 0, 10_000, "the run to end");
    expect(await accountMicros(db, principal.userId)).toEqual({
      balanceMicros: 1_000_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
  });

  it("carries at most maxBackgroundRuns started runs: past them a start is refused before its hold", async () => {
    const rich = await member();
    const poor = await member("0.01");
    const { provider } = observedProvider(() => rich.userId);
    const gate = openGate();
    const { service, updates } = serviceWith(gated(provider, gate.opened), recordingUpdates(), 2);

    const first = await service.start(rich, REQUEST);
    // A start refused on its own merits gives its place back.
    await expect(service.start(poor, REQUEST)).rejects.toMatchObject({ code: "INSUFFICIENT_CREDITS" });
    const second = await service.start(rich, REQUEST);
    await expect(service.start(rich, REQUEST)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });

    expect(await db.imageGeneration.count({ where: { userId: rich.userId } })).toBe(2);
    expect(await accountMicros(db, rich.userId)).toMatchObject({ reservedMicros: 2n * PRICE_MICROS, openHolds: 2 });
    gate.open();
    for (const { id } of [first, second]) {
      await eventually(() => updates.changes(id) === 2, 10_000, "the started runs to end");
    }
    // Their places are free again.
    const third = await service.start(rich, REQUEST);
    await eventually(() => updates.changes(third.id) === 2, 10_000, "the third run to end");
    expect(await db.ledgerEntry.count({ where: { userId: rich.userId, kind: "CHARGE" } })).toBe(3);
  });

  it("a watcher that throws neither fails nor holds up the generation", async () => {
    const principal = await member();
    const { provider } = observedProvider(() => principal.userId);
    const never = new Promise<void>(() => undefined);
    const { service } = serviceWith(provider, {
      ...recordingUpdates(),
      changed: () => {
        throw new Error("watcher down");
      },
      partialImage: () => never,
    });

    await expect(service.generate(principal, REQUEST)).resolves.toMatchObject({ status: "SUCCEEDED" });
  });
});

/** `provider`, each call waiting for `opened` first. */
function gated(provider: ImageProvider, opened: Promise<void>): ImageProvider {
  return {
    name: provider.name,
    generate: async (request, options) => {
      await opened;
      return provider.generate(request, options);
    },
    edit: async (request, options) => {
      await opened;
      return provider.edit(request, options);
    },
  };
}

function openGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
