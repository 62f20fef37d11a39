import { detectImageContentType } from "../../src/providers/image-bytes";
import { GenerationUpdatedDocument, StartImageGenerationDocument } from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf } from "../support/graphql-client";
import { connectWs, subscribe } from "../support/ws-client";

// End to end: startImageGeneration with partialImages against the fake OpenAI's stream, watched over graphql-ws.

let env: TestEnvironment;
beforeAll(async () => {
  env = await startEnvironment();
});
afterAll(() => env.close());

it("a started generation's subscriber gets it PENDING, its partial images in order, then SUCCEEDED", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  let open!: () => void;
  env.openai.script({ kind: "wait", until: new Promise<void>((resolve) => (open = resolve)) });
  const started = dataOf(
    await env.server.graphql(
      StartImageGenerationDocument,
      { input: { prompt: "a kite", model: "GPT_IMAGE_2", quality: "LOW", partialImages: 2 } },
      user.apiKey,
    ),
  ).startImageGeneration;
  const session = connectWs(env.server.url, user.apiKey);
  try {
    const subscription = subscribe(session, GenerationUpdatedDocument, { id: started.id });
    await subscription.received(1);
    open();
    expect(await subscription.ended).toEqual({ completed: true });
    const events = subscription.events.map((event) => event.generationUpdated);
    expect(events.map((event) => [event.generation.status, event.partialImage?.partialIndex])).toEqual([
      ["PENDING", undefined],
      ["PENDING", 0],
      ["PENDING", 1],
      ["SUCCEEDED", undefined],
    ]);
    for (const event of events.slice(1, 3)) {
      expect(detectImageContentType(Buffer.from(event.partialImage!.b64Json, "base64"))).toBe("image/png");
    }
    expect(events[3]!.generation.images).toHaveLength(1);
  } finally {
    await session.dispose();
  }
});
