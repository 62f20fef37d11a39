import { print } from "graphql";
import {
  GenerateImageDocument,
  GenerationDocument,
  StartImageGenerationDocument,
  type GenerateImageInput,
} from "../generated/graphql";
import { detectImageContentType } from "../../src/providers/image-bytes";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { eventually } from "../support/eventually";
import { dataOf, errorOf } from "../support/graphql-client";
import { recordingUpdates } from "../support/recording-updates";

// startImageGeneration: answered once the price is held, finished by the server whatever the client does.

const updates = recordingUpdates();
let env: TestEnvironment;
beforeAll(async () => {
  env = await startEnvironment({}, { generationUpdates: updates });
});
afterAll(() => env.close());
beforeEach(() => env.openai.reset());

/** DALL_E_2 at 256x256: 0.016 USD (the template's seeded price). */
const DALL_E_2: GenerateImageInput = { prompt: "a harbour", model: "DALL_E_2", size: "SIZE_256X256" };
const PRICE_MICROS = 16_000n;

function openGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function storedStatus(id: string): Promise<string> {
  return (await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id } })).status;
}

async function charges(userId: string): Promise<number> {
  return env.server.db.ledgerEntry.count({ where: { userId, kind: "CHARGE" } });
}

describe("startImageGeneration", () => {
  it("finishes a generation whose client hung up, charged exactly once; generation(id) polls it meanwhile", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const gate = openGate();
    env.openai.script({ kind: "wait", until: gate.opened });
    const client = new AbortController();
    const sent = fetch(`${env.server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${user.apiKey}` },
      body: JSON.stringify({ query: print(StartImageGenerationDocument), variables: { input: DALL_E_2 } }),
      signal: client.signal,
    }).catch(() => "aborted");
    await eventually(() => env.openai.generationRequests().length === 1, 10_000, "the provider to be called");
    client.abort();
    await sent;

    const generation = await env.server.db.imageGeneration.findFirstOrThrow({ where: { userId: user.userId } });
    expect(generation.status).toBe("PENDING");
    const polled = dataOf(await env.server.graphql(GenerationDocument, { id: generation.id }, user.apiKey));
    expect(polled.generation).toMatchObject({ id: generation.id, status: "PENDING", images: [] });
    const stranger = await env.server.createUser("MEMBER");
    const hidden = dataOf(await env.server.graphql(GenerationDocument, { id: generation.id }, stranger.apiKey));
    expect(hidden.generation).toBeNull();
    const finance = await env.server.createUser("FINANCE");
    const seen = dataOf(await env.server.graphql(GenerationDocument, { id: generation.id }, finance.apiKey));
    expect(seen.generation?.status).toBe("PENDING");

    gate.open();
    await eventually(async () => (await storedStatus(generation.id)) === "SUCCEEDED", 10_000, "the generation");
    await eventually(() => updates.changes(generation.id) === 2, 10_000, "its end to be announced");
    const done = dataOf(await env.server.graphql(GenerationDocument, { id: generation.id }, user.apiKey));
    expect(done.generation).toMatchObject({ status: "SUCCEEDED", cost: "0.016000" });
    expect(done.generation?.images).toHaveLength(1);
    expect(await charges(user.userId)).toBe(1);
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 1_000_000n - PRICE_MICROS,
      reservedMicros: 0n,
      openHolds: 0,
    });
    expect(env.openai.generationRequests()).toHaveLength(1);
  });

  it("answers PENDING at once; a failure is stored on the generation (FAILED, errorCode) and its hold released", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script("contentPolicy");

    const started = dataOf(await env.server.graphql(StartImageGenerationDocument, { input: DALL_E_2 }, user.apiKey));

    expect(started.startImageGeneration).toMatchObject({ status: "PENDING", errorCode: null, images: [] });
    const { id } = started.startImageGeneration;
    await eventually(async () => (await storedStatus(id)) === "FAILED", 10_000, "the generation to fail");
    const polled = dataOf(await env.server.graphql(GenerationDocument, { id }, user.apiKey));
    expect(polled.generation).toMatchObject({
      status: "FAILED",
      errorCode: "CONTENT_POLICY_VIOLATION",
      cost: "0.000000",
    });
    const hold = await env.server.db.hold.findUniqueOrThrow({ where: { generationId: id } });
    expect(hold.status).toBe("RELEASED");
    expect(await accountOf(env.server, user.userId)).toEqual({
      balanceMicros: 1_000_000n,
      reservedMicros: 0n,
      openHolds: 0,
    });
    expect(await charges(user.userId)).toBe(0);
    await eventually(() => updates.changes(id) === 2, 10_000, "its end to be announced");
  });

  it("refuses before the hold, synchronously, as generateImage does", async () => {
    const poor = await env.server.createUser("MEMBER", "0.01");
    const refused = errorOf(await env.server.graphql(StartImageGenerationDocument, { input: DALL_E_2 }, poor.apiKey));
    expect(refused.code).toBe("INSUFFICIENT_CREDITS");
    const invalid = errorOf(
      await env.server.graphql(StartImageGenerationDocument, { input: { ...DALL_E_2, n: 11 } }, poor.apiKey),
    );
    expect(invalid).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "input.n" } });
    expect(await env.server.db.imageGeneration.count({ where: { userId: poor.userId } })).toBe(0);
    expect(env.openai.generationRequests()).toHaveLength(0);
  });

  it("answers a retry under the same idempotency key with the same generation, run and charged once", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const gate = openGate();
    env.openai.script({ kind: "wait", until: gate.opened });
    const input = { ...DALL_E_2, idempotencyKey: "start-once" };

    const first = dataOf(await env.server.graphql(StartImageGenerationDocument, { input }, user.apiKey));
    const again = dataOf(await env.server.graphql(StartImageGenerationDocument, { input }, user.apiKey));

    expect(again.startImageGeneration).toMatchObject({ id: first.startImageGeneration.id, status: "PENDING" });
    gate.open();
    // generateImage under the same key waits for the first outcome.
    const replayed = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey));
    expect(replayed.generateImage).toMatchObject({ id: first.startImageGeneration.id, status: "SUCCEEDED" });
    const different = errorOf(
      await env.server.graphql(StartImageGenerationDocument, { input: { ...input, prompt: "other" } }, user.apiKey),
    );
    expect(different).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "input.idempotencyKey" } });
    expect(env.openai.generationRequests()).toHaveLength(1);
    expect(await charges(user.userId)).toBe(1);
  });
});

describe("partialImages", () => {
  it("streams from the provider and announces the partial images in order, then the end", async () => {
    const user = await env.server.createUser("MEMBER", "5");
    const input: GenerateImageInput = { prompt: "a kite", model: "GPT_IMAGE_2", quality: "LOW", partialImages: 2 };

    const started = dataOf(await env.server.graphql(StartImageGenerationDocument, { input }, user.apiKey));

    const { id } = started.startImageGeneration;
    await eventually(() => updates.changes(id) === 2, 10_000, "the generation's end to be announced");
    const [request] = env.openai.generationRequests();
    expect(request?.body).toMatchObject({ model: "gpt-image-2", stream: true, partial_images: 2 });
    const partials = updates.partials(id);
    expect(partials.map(({ index, partialIndex }) => ({ index, partialIndex }))).toEqual([
      { index: 0, partialIndex: 0 },
      { index: 0, partialIndex: 1 },
    ]);
    for (const partial of partials) expect(detectImageContentType(partial.bytes)).toBe("image/png");
    expect(partials[0]!.bytes.equals(partials[1]!.bytes)).toBe(false);
    // Opened, partial 0, partial 1, ended: in that order.
    const order = updates.events.filter((event) => event.generationId === id).map((event) => event.kind);
    expect(order).toEqual(["changed", "partialImage", "partialImage", "changed"]);
    const stored = await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id } });
    // Charged from the usage the completed event reported, once.
    expect(stored).toMatchObject({ status: "SUCCEEDED", outputTokens: 272 });
    expect(await charges(user.userId)).toBe(1);
  });

  it("refuses bad partialImages before anything is held, naming the field", async () => {
    const user = await env.server.createUser("MEMBER", "5");
    const cases: GenerateImageInput[] = [
      { ...DALL_E_2, partialImages: 1 },
      { prompt: "a kite", model: "GPT_IMAGE_2", partialImages: 4 },
      { prompt: "a kite", model: "GPT_IMAGE_2", partialImages: -1 },
      { prompt: "a kite", model: "GPT_IMAGE_2", partialImages: 2, n: 2 },
    ];
    for (const input of cases) {
      const refusals = [
        errorOf(await env.server.graphql(StartImageGenerationDocument, { input }, user.apiKey)),
        errorOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)),
      ];
      for (const error of refusals) {
        expect(error).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "input.partialImages" } });
      }
    }
    expect(await env.server.db.imageGeneration.count({ where: { userId: user.userId } })).toBe(0);
    expect(await accountOf(env.server, user.userId)).toMatchObject({ reservedMicros: 0n, openHolds: 0 });
    expect(env.openai.generationRequests()).toHaveLength(0);
  });
});
