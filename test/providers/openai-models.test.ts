import { createOpenAIModelListSource } from "../../src/providers/openai-models";
import { startFakeOpenAIModels, type FakeOpenAIModels } from "../fakes/openai-models-fake";

let fake: FakeOpenAIModels;

beforeAll(async () => {
  fake = await startFakeOpenAIModels();
});

beforeEach(() => fake.reset());

afterAll(async () => {
  await fake.close();
});

const source = (options: { apiKey?: string; baseURL?: string } = {}) =>
  createOpenAIModelListSource({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    timeoutMs: 2_000,
    maxRetries: 0,
    ...options,
  });

describe("OpenAI's model list through the SDK", () => {
  it("GETs /v1/models with the key and passes each entry's id and shutdown_date on", async () => {
    fake.setModels([
      { id: "gpt-image-1", shutdown_date: "2026-10-23" },
      { id: "gpt-image-2", shutdown_date: null },
      { id: "gpt-image-2.5-flare" },
      { id: "dall-e-3", shutdown_date: 20260512 },
    ]);

    expect(await source().list()).toEqual([
      { upstreamId: "gpt-image-1", shutdownDate: "2026-10-23" },
      { upstreamId: "gpt-image-2", shutdownDate: null },
      { upstreamId: "gpt-image-2.5-flare", shutdownDate: null },
      { upstreamId: "dall-e-3", shutdownDate: null },
    ]);
    expect(fake.listRequests().map((request) => [request.method, request.authorization])).toEqual([
      ["GET", `Bearer ${fake.apiKey}`],
    ]);
  });

  it("skips entries without a string id", async () => {
    fake.setRawData([null, "gpt-image-2", { id: 7 }, { shutdown_date: "2027-01-01" }, { id: "gpt-image-1" }]);
    expect(await source().list()).toEqual([{ upstreamId: "gpt-image-1", shutdownDate: null }]);
  });

  it("fails with the status or the cause only, never the upstream's text", async () => {
    const refused = source({ apiKey: "sk-wrong-key-5d1f" }).list();
    await expect(refused).rejects.toThrow(/^OpenAI models\.list failed: HTTP 401$/);

    fake.failNext(500);
    await expect(source().list()).rejects.toThrow(/^OpenAI models\.list failed: HTTP 500$/);

    fake.setRawData({ not: "a list" });
    await expect(source().list()).rejects.toThrow("OpenAI models.list returned a body without a data array");

    await expect(source({ baseURL: "http://127.0.0.1:9/v1" }).list()).rejects.toThrow(
      /^OpenAI models\.list could not connect$/,
    );
  });
});
