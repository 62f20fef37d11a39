import { createOpenAIProvider } from "../../src/providers/openai";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { failureOf, imageRequest } from "./requests";

// The SDK reads the request id OpenAI sends (x-request-id) into APIError.requestID; our errors quote it, so a failed
// generation can be traced with OpenAI's support. Kept as a test because the SDK's major version is ours to choose
// (package.json: 6.x, whose engines include Node 20).

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const provider = () =>
  createOpenAIProvider({ apiKey: fake.apiKey, baseURL: fake.baseURL, timeoutMs: 5_000, maxRetries: 0 });

it.each([
  ["a refused prompt", "contentPolicy", "CONTENT_POLICY"],
  ["a server error", "serverError", "UPSTREAM"],
] as const)("quotes OpenAI's request id for %s", async (_, behaviour, kind) => {
  fake.script(behaviour);

  const error = await failureOf(provider().generate(imageRequest({ model: "DALL_E_3" })));

  expect(error.kind).toBe(kind);
  expect(error.message).toMatch(/ \(request req_[A-Za-z0-9_-]+\)$/);
});
