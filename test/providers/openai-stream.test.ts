import type { ProviderPartialImage } from "../../src/domain/generation/image-provider";
import { createLocalProvider } from "../../src/providers/local";
import { createOpenAIProvider } from "../../src/providers/openai";
import { detectImageContentType } from "../../src/providers/image-bytes";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { failureOf, imageRequest } from "./requests";

// Streaming generations (stream + partial_images) through the real SDK against the fake's Server-Sent Events, and
// what a misbehaving stream may make us keep.

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const provider = (timeoutMs = 5_000) =>
  createOpenAIProvider({ apiKey: fake.apiKey, baseURL: fake.baseURL, timeoutMs, maxRetries: 0 });
const STREAMED = imageRequest({ model: "GPT_IMAGE_2", quality: "LOW", width: 256, height: 256, partialImages: 3 });

function collect() {
  const partials: ProviderPartialImage[] = [];
  return { partials, options: { onPartialImage: (partial: ProviderPartialImage) => partials.push(partial) } };
}

describe("OpenAI streaming", () => {
  it("reports each partial image in order, then answers the final image and the usage", async () => {
    const { partials, options } = collect();
    const result = await provider().generate(STREAMED, options);

    expect(fake.generationRequests()[0]?.body).toMatchObject({ stream: true, partial_images: 3 });
    expect(partials.map((partial) => partial.partialIndex)).toEqual([0, 1, 2]);
    for (const partial of partials) expect(detectImageContentType(partial.bytes)).toBe("image/png");
    expect(result.images).toHaveLength(1);
    expect(result.usage).toMatchObject({ outputTokens: expect.any(Number) as number });
  });

  it("refuses more partial images than asked for", async () => {
    fake.script({ kind: "ok", stream: { partials: 5 } });
    const { partials, options } = collect();
    const error = await failureOf(provider().generate(STREAMED, options));
    expect(error.message).toMatch(/more than the 3 partial images/);
    expect(partials).toHaveLength(3);
  });

  it("fails, retryable, a stream that ends without the final image", async () => {
    fake.script({ kind: "ok", stream: { completed: false } });
    const error = await failureOf(provider().generate(STREAMED, collect().options));
    expect(error).toMatchObject({ kind: "UPSTREAM", retryable: true });
    expect(error.message).toMatch(/without the final image/);
  });

  it("refuses partial images that are not images", async () => {
    fake.script({ kind: "ok", imageBytes: Buffer.from("<html>not an image</html>") });
    const { partials, options } = collect();
    const error = await failureOf(provider().generate(STREAMED, options));
    expect(error.message).toMatch(/not a PNG, JPEG or WEBP/);
    expect(partials).toHaveLength(0);
  });

  it("ends a stream that stops sending at its deadline: a retryable timeout", async () => {
    fake.script({ kind: "ok", stream: { hang: true } });
    const { partials, options } = collect();
    const error = await failureOf(provider(500).generate(STREAMED, options));
    expect(error).toMatchObject({ kind: "UPSTREAM", retryable: true });
    expect(error.message).toMatch(/timed out/);
    expect(partials).toHaveLength(3);
  });
});

describe("the local provider", () => {
  it("reports the partial images asked for, in order", async () => {
    const { partials, options } = collect();
    const result = await createLocalProvider().generate(STREAMED, options);
    expect(partials.map((partial) => partial.partialIndex)).toEqual([0, 1, 2]);
    expect(result.images).toHaveLength(1);
  });
});
