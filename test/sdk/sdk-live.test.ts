import { createHash } from "node:crypto";
import {
  createImagegateClient,
  EditImageDocument,
  GenerateImageDocument,
  GenerationDocument,
  GenerationUpdatedDocument,
  ImagegateError,
  MeDocument,
  StartImageGenerationDocument,
  type GenerationUpdatedSubscription,
  type ImagegateClient,
} from "@imagegate/sdk";
import { WebSocket } from "ws";
import { detectImageContentType } from "../../src/providers/image-bytes";
import { sourceImage } from "../support/edit-images";
import { eventually } from "../support/eventually";
import { startEnvironment, type TestEnvironment } from "../support/environment";

// The README's frontend flow with @imagegate/sdk against the real server, PostgreSQL and the fake OpenAI's stream:
// startImageGeneration with partial images, generationUpdated over graphql-ws, then the stored image. Node 20 has no
// global WebSocket, so the client is given ws's, as the README says.

let env: TestEnvironment;
const clients: ImagegateClient[] = [];
beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await env.close();
});
beforeEach(() => env.openai.reset());

function clientFor(apiKey: string): ImagegateClient {
  const client = createImagegateClient({ url: `${env.server.url}/graphql`, apiKey, webSocketImpl: WebSocket });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<ImagegateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ImagegateError)) throw new Error(`expected an ImagegateError, got ${String(error)}`);
  return error;
}

/** A member's started generation, its provider call waiting until `open()`. */
async function startedWaiting() {
  const user = await env.server.createUser("MEMBER", "1");
  let open!: () => void;
  env.openai.script({ kind: "wait", until: new Promise<void>((resolve) => (open = resolve)) });
  const { startImageGeneration: started } = await clientFor(user.apiKey).request(StartImageGenerationDocument, {
    input: { prompt: "a kite", model: "GPT_IMAGE_2", quality: "LOW" },
  });
  return { user, started, open };
}

/** Waits for the generation, going on server-side, to reach its end. */
function finished(id: string): Promise<void> {
  return eventually(
    async () => (await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id } })).status !== "PENDING",
    10_000,
    "the generation to finish",
  );
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

type Update = GenerationUpdatedSubscription["generationUpdated"];

it("starts a generation, receives its partial images in order and the SUCCEEDED generation, then its image", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  const client = clientFor(user.apiKey);
  // The fake's stream waits until the subscriber has its first event, so every partial image is sent to it live.
  let open!: () => void;
  env.openai.script({ kind: "wait", until: new Promise<void>((resolve) => (open = resolve)) });

  const { startImageGeneration: started } = await client.request(StartImageGenerationDocument, {
    input: { prompt: "a kite over the dunes", model: "GPT_IMAGE_2", quality: "LOW", partialImages: 2 },
  });
  expect(started.status).toBe("PENDING");

  const updates: Update[] = [];
  const events = client.subscribe(GenerationUpdatedDocument, { id: started.id });
  for await (const { generationUpdated } of events) {
    updates.push(generationUpdated);
    if (updates.length === 1) open();
    if (generationUpdated.generation.status !== "PENDING") break;
  }

  expect(updates.map((update) => [update.generation.status, update.partialImage?.partialIndex])).toEqual([
    ["PENDING", undefined],
    ["PENDING", 0],
    ["PENDING", 1],
    ["SUCCEEDED", undefined],
  ]);
  for (const update of updates.slice(1, 3)) {
    expect(update.partialImage!.index).toBe(0);
    expect(detectImageContentType(Buffer.from(update.partialImage!.b64Json, "base64"))).toBe("image/png");
  }
  expect(updates.every((update) => update.generation.id === started.id)).toBe(true);
  const final = updates[3]!.generation;
  expect(final).toMatchObject({ provider: "openai", servedModel: "GPT_IMAGE_2", user: { id: user.userId } });
  expect(final.cost).toMatch(/^0\.\d{6}$/);
  expect(final.images).toHaveLength(1);
  // What OpenAI was asked: a stream with two partial images.
  expect(env.openai.generationRequests().at(-1)?.body).toMatchObject({ stream: true, partial_images: 2 });

  const image = await fetch(final.images[0]!.url!);
  expect(image.status).toBe(200);
  expect(detectImageContentType(Buffer.from(await image.arrayBuffer()))).toBe("image/png");
});

it("rejects a subscription with an unknown key as UNAUTHENTICATED", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  const { generateImage } = await clientFor(user.apiKey).request(GenerateImageDocument, {
    input: { prompt: "a kite", model: "GPT_IMAGE_2", quality: "LOW" },
  });
  const events = clientFor("igk_not-a-key").subscribe(GenerationUpdatedDocument, { id: generateImage.id });
  const error = await failure(events.next());
  expect(error.code).toBe("UNAUTHENTICATED");
  expect(error.extensions.closeCode).toBe(4401);
  expect(error.message).not.toMatch(/at |prisma|SELECT/i);
});

it("answers NOT_FOUND for another member's generation", async () => {
  const owner = await env.server.createUser("MEMBER", "1");
  const stranger = await env.server.createUser("MEMBER", "1");
  const { generateImage } = await clientFor(owner.apiKey).request(GenerateImageDocument, {
    input: { prompt: "a kite", model: "GPT_IMAGE_2", quality: "LOW" },
  });
  const error = await failure(
    clientFor(stranger.apiKey).subscribe(GenerationUpdatedDocument, { id: generateImage.id }).next(),
  );
  expect(error.code).toBe("NOT_FOUND");
  expect(error.message).not.toContain(owner.userId);
  // The owner's own subscription to a finished generation gets its final state and completes.
  const own: Update[] = [];
  for await (const { generationUpdated } of clientFor(owner.apiKey).subscribe(GenerationUpdatedDocument, {
    id: generateImage.id,
  })) {
    own.push(generationUpdated);
  }
  expect(own.map((update) => update.generation.status)).toEqual(["SUCCEEDED"]);
});

describe("uploads", () => {
  it("editImage with an uploaded PNG Blob: the fake receives its bytes, the generation records them as its source", async () => {
    const user = await env.server.createUser("MEMBER", "10");
    const bytes = sourceImage("png", 64, 48, "sdk-upload");
    const photo = new Blob([new Uint8Array(bytes)], { type: "image/png" });
    const { editImage } = await clientFor(user.apiKey).request(EditImageDocument, {
      input: { prompt: "add a red hat", model: "GPT_IMAGE_2", images: [{ upload: photo }] },
    });

    expect(editImage).toMatchObject({ status: "SUCCEEDED", provider: "openai", user: { id: user.userId } });
    expect(env.openai.edits).toHaveLength(1);
    const [received] = env.openai.edits;
    expect(received!.fields).toMatchObject({ model: "gpt-image-2", prompt: "add a red hat", n: "1" });
    expect(
      received!.images.map((file) => [file.field, file.contentType, file.sha256, file.width, file.height]),
    ).toEqual([["image[]", "image/png", sha256(bytes), 64, 48]]);
    expect(received!.mask).toBeUndefined();
    expect(editImage.sources).toEqual([
      {
        role: "IMAGE",
        position: 0,
        index: null,
        contentType: "image/png",
        sha256: sha256(bytes),
        sizeBytes: bytes.length,
        width: 64,
        height: 48,
        generation: null,
      },
    ]);
    const { generation } = await clientFor(user.apiKey).request(GenerationDocument, { id: editImage.id });
    expect(generation?.sources).toEqual(editImage.sources);
    const image = await fetch(editImage.images[0]!.url!);
    expect(image.status).toBe(200);
    await image.arrayBuffer();
  });

  it("a Blob that is not an image is refused as BAD_USER_INPUT naming the field; nothing reaches OpenAI", async () => {
    const user = await env.server.createUser("MEMBER", "10");
    const error = await failure(
      clientFor(user.apiKey).request(EditImageDocument, {
        input: {
          prompt: "add a red hat",
          model: "GPT_IMAGE_2",
          images: [{ upload: new Blob(["not an image"], { type: "image/png" }) }],
        },
      }),
    );
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.extensions.field).toBe("input.images[0]");
    expect(env.openai.edits).toHaveLength(0);
    const { me } = await clientFor(user.apiKey).request(MeDocument);
    expect(me).toMatchObject({ balance: "10.000000", reserved: "0.000000" });
  });
});

it("an aborted signal stops a subscription waiting for its next event, and the socket serves the next one", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  const client = clientFor(user.apiKey);
  let open!: () => void;
  env.openai.script({ kind: "wait", until: new Promise<void>((resolve) => (open = resolve)) });
  const { startImageGeneration: started } = await client.request(StartImageGenerationDocument, {
    input: { prompt: "a kite", model: "GPT_IMAGE_2", quality: "LOW", partialImages: 1 },
  });

  const controller = new AbortController();
  const events = client.subscribe(GenerationUpdatedDocument, { id: started.id }, { signal: controller.signal });
  const first = await events.next();
  expect(first.done !== true && first.value.generationUpdated.generation.status).toBe("PENDING");
  // The generation is held at the fake: without the abort this wait would never end.
  const waiting = events.next();
  const reason = new Error("the page went away");
  controller.abort(reason);
  await expect(waiting).rejects.toBe(reason);
  expect(await events.next()).toEqual({ done: true, value: undefined });

  // The same client (and socket) then follows the generation to its end.
  const statuses: string[] = [];
  for await (const { generationUpdated } of client.subscribe(GenerationUpdatedDocument, { id: started.id })) {
    statuses.push(generationUpdated.generation.status);
    if (statuses.length === 1) open();
  }
  expect(statuses).toEqual(["PENDING", "PENDING", "SUCCEEDED"]);
  // An already aborted signal throws before anything is sent.
  await expect(
    client.subscribe(GenerationUpdatedDocument, { id: started.id }, { signal: AbortSignal.abort(reason) }).next(),
  ).rejects.toBe(reason);
});

it("a key revoked while its subscription is open ends the subscription with FORBIDDEN (closed 4403)", async () => {
  const { user, started, open } = await startedWaiting();
  const events = clientFor(user.apiKey).subscribe(GenerationUpdatedDocument, { id: started.id });
  expect((await events.next()).done).toBe(false);

  await env.server.db.apiKey.updateMany({ where: { userId: user.userId }, data: { revokedAt: new Date() } });
  const error = await failure(events.next());
  expect(error.code).toBe("FORBIDDEN");
  expect(error.extensions.closeCode).toBe(4403);
  expect(error.message).toContain("revoked");
  // Not retried with the revoked key: the iterator is over.
  expect(await events.next()).toEqual({ done: true, value: undefined });

  // The generation itself goes on, server-side, to its end.
  open();
  await finished(started.id);
});

it("a socket past WS_MAX_CONNECTIONS_PER_KEY (10) ends its subscription with RATE_LIMITED (closed 4429)", async () => {
  const { user, started, open } = await startedWaiting();
  // Each client has a socket of its own: ten, each with its first event, fill the key's share.
  const watching = Array.from({ length: 10 }, () =>
    clientFor(user.apiKey).subscribe(GenerationUpdatedDocument, { id: started.id }),
  );
  for (const events of watching) expect((await events.next()).done).toBe(false);

  const error = await failure(clientFor(user.apiKey).subscribe(GenerationUpdatedDocument, { id: started.id }).next());
  expect(error.code).toBe("RATE_LIMITED");
  expect(error.extensions).toMatchObject({ closeCode: 4429, retryAfterSeconds: 1 });
  expect(error.message).toContain("this API key");

  await Promise.all(watching.map((events) => events.return?.()));
  open();
  await finished(started.id);
});
