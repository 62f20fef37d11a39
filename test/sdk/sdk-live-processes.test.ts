import {
  createImagegateClient,
  GenerationUpdatedDocument,
  StartImageGenerationDocument,
  type GenerationUpdatedSubscription,
  type ImagegateClient,
} from "@imagegate/sdk";
import { WebSocket } from "ws";
import { detectImageContentType } from "../../src/providers/image-bytes";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { startServerProcess, type ServerProcess } from "../support/server-process";

// The README's frontend flow across two processes on one database, with @imagegate/sdk: process A (its own OS
// process) runs a real startImageGeneration against the fake OpenAI's stream; server B (in this test process)
// serves the subscription, hearing A's announcements through PostgreSQL. The fake's stream waits until B's subscriber
// has its first event, so every partial image is announced while it listens.

let env: TestEnvironment;
let processA: ServerProcess;
const clients: ImagegateClient[] = [];
beforeAll(async () => {
  env = await startEnvironment(); // server B, and the fake OpenAI both use
  processA = await startServerProcess({
    DATABASE_URL: env.server.databaseUrl,
    OPENAI_API_KEY: env.openai.apiKey,
    OPENAI_BASE_URL: env.openai.baseURL,
  });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await processA?.stop();
  await env.close();
});

function clientOf(url: string, apiKey: string): ImagegateClient {
  const client = createImagegateClient({ url: `${url}/graphql`, apiKey, webSocketImpl: WebSocket });
  clients.push(client);
  return client;
}

it("B's subscriber receives A's partial images in order and the final state", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  let open!: () => void;
  env.openai.script({ kind: "wait", until: new Promise<void>((resolve) => (open = resolve)) });

  const { startImageGeneration: started } = await clientOf(processA.url, user.apiKey).request(
    StartImageGenerationDocument,
    { input: { prompt: "a kite over the dunes", model: "GPT_IMAGE_2", quality: "LOW", partialImages: 2 } },
  );
  expect(started.status).toBe("PENDING");

  const updates: Array<GenerationUpdatedSubscription["generationUpdated"]> = [];
  for await (const { generationUpdated } of clientOf(env.server.url, user.apiKey).subscribe(GenerationUpdatedDocument, {
    id: started.id,
  })) {
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
    expect(detectImageContentType(Buffer.from(update.partialImage!.b64Json, "base64"))).toBe("image/png");
  }
  const final = updates[3]!.generation;
  expect(final).toMatchObject({ id: started.id, provider: "openai", user: { id: user.userId } });
  expect(final.images).toHaveLength(1);
  // The fake was asked once, by A: B only listened.
  expect(env.openai.generationRequests()).toHaveLength(1);
  expect(env.openai.generationRequests()[0]!.body).toMatchObject({ stream: true, partial_images: 2 });
  // A stored the image in its own data folder, and serves it.
  const image = await fetch(`${processA.url}${new URL(final.images[0]!.url!).pathname}`);
  expect(image.status).toBe(200);
  expect(detectImageContentType(Buffer.from(await image.arrayBuffer()))).toBe("image/png");
});
