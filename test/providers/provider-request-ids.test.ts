import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ProviderError } from "../../src/domain/generation/image-provider";
import { createOpenAIProvider } from "../../src/providers/openai";
import { createStabilityProvider } from "../../src/providers/stability";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { startFakeStability, type FakeStability } from "../fakes/stability-fake";
import { failureOf, imageRequest } from "./requests";

// Our request id goes to the provider with every call, and a failure says whether to retry and carries the
// provider's own id for the call: what a support ticket needs on both sides.

let openai: FakeOpenAI;
let stability: FakeStability;
beforeAll(async () => {
  openai = await startFakeOpenAI();
  stability = await startFakeStability();
});
afterAll(async () => {
  await openai.close();
  await stability.close();
});
beforeEach(() => {
  openai.reset();
  stability.reset();
});

const openaiProvider = (baseURL = openai.baseURL) =>
  createOpenAIProvider({ apiKey: openai.apiKey, baseURL, timeoutMs: 1_000, maxRetries: 0 });
const stabilityProvider = () =>
  createStabilityProvider({ apiKey: stability.apiKey, baseURL: stability.baseURL, timeoutMs: 1_000, maxRetries: 0 });

const DALL_E_2 = imageRequest({ model: "DALL_E_2", width: 256, height: 256, requestId: "req-from-caller-1" });
const SDXL = imageRequest({ model: "STABLE_DIFFUSION_XL", requestId: "req-from-caller-2" });

async function closedPortUrl(): Promise<string> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

describe("OpenAI", () => {
  it("sends the request id as X-Client-Request-Id", async () => {
    await openaiProvider().generate(DALL_E_2);
    expect(openai.generationRequests()[0]!.headers["x-client-request-id"]).toBe("req-from-caller-1");
  });

  it("sends no X-Client-Request-Id when there is no request id", async () => {
    await openaiProvider().generate({ ...DALL_E_2, requestId: undefined });
    expect(openai.generationRequests()[0]!.headers["x-client-request-id"]).toBeUndefined();
  });

  it.each([
    [500, true],
    [503, true],
    [429, true],
    [408, true],
    [400, false],
    [404, false],
  ])("HTTP %i: retryable %s, with OpenAI's x-request-id", async (status, retryable) => {
    openai.script({ kind: "error", status, headers: { "x-request-id": "req_upstream42" } });
    const error = await failureOf(openaiProvider().generate(DALL_E_2));
    expect(error).toMatchObject({ kind: "UPSTREAM", status, retryable, providerRequestId: "req_upstream42" });
  });

  it("a content-policy refusal is not retryable", async () => {
    openai.script("contentPolicy");
    const error = await failureOf(openaiProvider().generate(DALL_E_2));
    expect(error).toMatchObject({ kind: "CONTENT_POLICY", retryable: false });
    expect(error.providerRequestId).toMatch(/^req_/);
  });

  it("a timeout and a refused connection are retryable", async () => {
    openai.script("hang");
    expect(await failureOf(openaiProvider().generate(DALL_E_2))).toMatchObject({ retryable: true });
    expect(await failureOf(openaiProvider(await closedPortUrl()).generate(DALL_E_2))).toMatchObject({
      retryable: true,
      providerRequestId: undefined,
    });
  });

  it("an image download that times out is retryable; one whose URL is gone (404) is not", async () => {
    const downloading = createOpenAIProvider({
      apiKey: openai.apiKey,
      baseURL: openai.baseURL,
      timeoutMs: 1_000,
      maxRetries: 0,
      fetchImageTimeoutMs: 100,
    });
    openai.script({ kind: "ok", format: "url" }, { kind: "ok", format: "url", expired: true });
    openai.setFileLatencyMs(2_000);
    expect(await failureOf(downloading.generate(DALL_E_2))).toMatchObject({ retryable: true });
    openai.setFileLatencyMs(0);
    expect(await failureOf(downloading.generate(DALL_E_2))).toMatchObject({ status: 404, retryable: false });
  });

  it("an answer that is not JSON, or has no images, is not retryable", async () => {
    openai.script("malformed", { kind: "ok", imageCount: 0 });
    expect(await failureOf(openaiProvider().generate(DALL_E_2))).toMatchObject({ retryable: false });
    expect(await failureOf(openaiProvider().generate(DALL_E_2))).toMatchObject({ retryable: false });
  });

  it("keeps the provider's request id only when it is a sane token", async () => {
    openai.script({ kind: "error", status: 500, headers: { "x-request-id": `req_${"x".repeat(200)}` } });
    expect((await failureOf(openaiProvider().generate(DALL_E_2))).providerRequestId).toBeUndefined();
    openai.script({ kind: "error", status: 500, headers: { "x-request-id": "req <script>" } });
    expect((await failureOf(openaiProvider().generate(DALL_E_2))).providerRequestId).toBeUndefined();
  });
});

describe("Stability", () => {
  it("sends the request id as X-Request-Id", async () => {
    await stabilityProvider().generate(SDXL);
    expect(stability.generationRequests()[0]!.headers["x-request-id"]).toBe("req-from-caller-2");
  });

  it.each([
    [500, true],
    [429, true],
    [400, false],
    [403, false],
  ])("HTTP %i: retryable %s, with the error's id as the provider's request id", async (status, retryable) => {
    stability.script({ kind: "error", status, body: { id: "9b2c4e1f0a", name: "some_error", message: "no" } });
    const error = await failureOf(stabilityProvider().generate(SDXL));
    expect(error).toMatchObject({ kind: "UPSTREAM", status, retryable, providerRequestId: "9b2c4e1f0a" });
  });

  it("a timeout is retryable; an unreadable answer is not", async () => {
    stability.script("hang");
    expect(await failureOf(stabilityProvider().generate(SDXL))).toMatchObject({ retryable: true });
    stability.script("malformed");
    expect(await failureOf(stabilityProvider().generate(SDXL))).toMatchObject({ retryable: false });
  });
});

it("ProviderError: retryable from the status by default; never for a content-policy refusal", () => {
  expect(new ProviderError("UPSTREAM", "x", 502).retryable).toBe(true);
  expect(new ProviderError("UPSTREAM", "x", 422).retryable).toBe(false);
  expect(new ProviderError("UPSTREAM", "x").retryable).toBe(false);
  expect(new ProviderError("UPSTREAM", "x", undefined, undefined, { retryable: true }).retryable).toBe(true);
  expect(new ProviderError("CONTENT_POLICY", "x", 500, undefined, { retryable: true }).retryable).toBe(false);
});
