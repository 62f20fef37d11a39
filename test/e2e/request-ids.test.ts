import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { GenerateImageDocument, MeDocument, type GenerateImageInput } from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { eventually } from "../support/eventually";
import { capturingLogger, type LogLine } from "../support/log-capture";

// Every request has an id: the caller's X-Request-Id when sane, else a new one. It comes back as a header and on
// every GraphQL error, goes to the provider, and is on every log line of the request, among which one access line.

const { logger, lines } = capturingLogger();
let env: TestEnvironment;
beforeAll(async () => {
  env = await startEnvironment({ PROVIDER_MAX_RETRIES: "0" }, { logger });
});
afterAll(() => env.close());
beforeEach(() => {
  env.openai.reset();
  env.stability.reset();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DALL_E_2: GenerateImageInput = { prompt: "a quiet harbour", model: "DALL_E_2", size: "SIZE_256X256" };

interface Answer<TData> {
  requestId: string | null;
  status: number;
  data?: TData | null;
  errors?: GraphQLFormattedError[];
}

async function post<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables> | string,
  variables: TVariables,
  headers: Record<string, string> = {},
): Promise<Answer<TData>> {
  const query = typeof document === "string" ? document : print(document);
  const response = await fetch(`${env.server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<Answer<TData>, "requestId" | "status">;
  return { requestId: response.headers.get("x-request-id"), status: response.status, ...body };
}

const linesOf = (requestId: string) => lines.filter((line) => line.requestId === requestId);
/** The request's access line: logged once its response is over, which the client may see a moment before. */
async function accessLineOf(requestId: string): Promise<LogLine> {
  const access = () => linesOf(requestId).filter((line) => line.msg === "request");
  await eventually(() => access().length > 0, 5_000, `the access line of ${requestId}`);
  expect(access()).toHaveLength(1);
  return access()[0]!;
}

describe("the request id", () => {
  it("is the caller's sane X-Request-Id: answered, sent to OpenAI, and on the access line", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const answer = await post(
      GenerateImageDocument,
      { input: DALL_E_2 },
      { authorization: `Bearer ${user.apiKey}`, "x-request-id": "client-req:0001_a.b" },
    );

    expect(answer.requestId).toBe("client-req:0001_a.b");
    const generation = answer.data!.generateImage;
    expect(env.openai.generationRequests()[0]!.headers["x-client-request-id"]).toBe("client-req:0001_a.b");
    expect(await accessLineOf("client-req:0001_a.b")).toMatchObject({
      msg: "request",
      method: "POST",
      path: "/graphql",
      operation: "GenerateImage",
      principalId: user.userId,
      status: 200,
      durationMs: expect.any(Number),
      generationId: generation.id,
      cost: "0.016000",
    });
  });

  it("goes to Stability as X-Request-Id", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const input: GenerateImageInput = { prompt: "a kite", model: "STABLE_DIFFUSION_XL" };
    const answer = await post(GenerateImageDocument, { input }, { authorization: `Bearer ${user.apiKey}` });
    expect(answer.errors).toBeUndefined();
    expect(env.stability.generationRequests()[0]!.headers["x-request-id"]).toBe(answer.requestId);
  });

  it.each([
    ["too long", "a".repeat(129)],
    ["with a space", "two words"],
    ["with other characters", "line%0Aforged"],
    ["empty", ""],
  ])("is made anew when the caller's is %s", async (_what, given) => {
    const answer = await post("{ __typename }", {}, { "x-request-id": given });
    expect(answer.requestId).toMatch(UUID);
    const access = await accessLineOf(answer.requestId!);
    expect(access).toMatchObject({ status: 200 });
    expect(access.operation).toBeUndefined();
  });

  it("is made for every route, with an access line each", async () => {
    const health = await fetch(`${env.server.url}/healthz`, { headers: { "x-request-id": "probe-1" } });
    expect(health.headers.get("x-request-id")).toBe("probe-1");
    const missing = await fetch(`${env.server.url}/images/x/0.png?token=secret`);
    const requestId = missing.headers.get("x-request-id")!;
    expect(requestId).toMatch(UUID);
    expect(await accessLineOf("probe-1")).toMatchObject({ method: "GET", path: "/healthz", status: 200 });
    // The query string is not logged: it could hold anything.
    expect(await accessLineOf(requestId)).toMatchObject({ path: "/images/x/0.png", status: 404 });
  });
});

describe("every GraphQL error carries the request id", () => {
  it.each([
    ["no key", MeDocument as TypedDocumentNode<unknown, unknown>, {}, "UNAUTHENTICATED"],
    ["a parse error", "{ me { ", {}, "GRAPHQL_PARSE_FAILED"],
    ["a validation error", "{ nope }", {}, "GRAPHQL_VALIDATION_FAILED"],
  ] as const)("%s", async (_what, document, headers, code) => {
    const answer = await post(document, {}, headers);
    expect(answer.errors![0]!.extensions).toMatchObject({ code, requestId: answer.requestId });
    expect(await accessLineOf(answer.requestId!)).toMatchObject({ errorCodes: [code] });
  });

  it("a request Apollo refuses before it makes a context (possibly cross-site)", async () => {
    const response = await fetch(`${env.server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-request-id": "csrf-1" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: GraphQLFormattedError[] };
    expect(body.errors[0]!.extensions).toMatchObject({ code: "BAD_REQUEST", requestId: "csrf-1" });
    expect(await accessLineOf("csrf-1")).toMatchObject({ status: 400, errorCodes: ["BAD_REQUEST"] });
  });
});

describe("UPSTREAM_ERROR", () => {
  async function failedGeneration(userId: string) {
    return env.server.db.imageGeneration.findFirstOrThrow({ where: { userId, status: "FAILED" } });
  }

  it("names the generation, is retryable after a 5xx, and carries OpenAI's request id", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script({ kind: "error", status: 502, headers: { "x-request-id": "req_upstream77" } });
    const answer = await post(GenerateImageDocument, { input: DALL_E_2 }, { authorization: `Bearer ${user.apiKey}` });

    const generation = await failedGeneration(user.userId);
    expect(answer.errors![0]!.extensions).toEqual({
      code: "UPSTREAM_ERROR",
      generationId: generation.id,
      retryable: true,
      providerRequestId: "req_upstream77",
      requestId: answer.requestId,
    });
    // The request's lines carry its id, the flow's own "generation failed" among them.
    const failed = linesOf(answer.requestId!).find((line) => line.msg === "generation failed");
    expect(failed).toMatchObject({ generationId: generation.id, errorCode: "UPSTREAM_ERROR" });
    const access = await accessLineOf(answer.requestId!);
    expect(access).toMatchObject({ generationId: generation.id, errorCodes: ["UPSTREAM_ERROR"] });
    expect(access.cost).toBeUndefined();
  });

  it.each([
    ["a 4xx", { kind: "error", status: 400 } as const],
    ["an answer that is not JSON", "malformed" as const],
  ])("is not retryable after %s", async (_what, behaviour) => {
    const user = await env.server.createUser("MEMBER", "1");
    env.openai.script(behaviour);
    const answer = await post(GenerateImageDocument, { input: DALL_E_2 }, { authorization: `Bearer ${user.apiKey}` });
    expect(answer.errors![0]!.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      generationId: (await failedGeneration(user.userId)).id,
      retryable: false,
    });
  });

  it("replayed under its idempotency key: the same generation, not retryable (a new attempt needs a new key)", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const input = { ...DALL_E_2, idempotencyKey: "upstream-replay-1" };
    const auth = { authorization: `Bearer ${user.apiKey}` };
    env.openai.script({ kind: "error", status: 503 });
    const first = await post(GenerateImageDocument, { input }, auth);
    const again = await post(GenerateImageDocument, { input }, auth);
    const generationId = (await failedGeneration(user.userId)).id;
    expect(first.errors![0]!.extensions).toMatchObject({ generationId, retryable: true });
    expect(again.errors![0]!.extensions).toMatchObject({ code: "UPSTREAM_ERROR", generationId, retryable: false });
    expect(await accessLineOf(again.requestId!)).toMatchObject({ generationId });
  });
});

it("no log line holds a prompt or an API key", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  const prompt = "a very particular prompt about zebra crossings";
  await post(GenerateImageDocument, { input: { ...DALL_E_2, prompt } }, { authorization: `Bearer ${user.apiKey}` });
  env.openai.script({ kind: "error", status: 500 });
  await post(GenerateImageDocument, { input: { ...DALL_E_2, prompt } }, { authorization: `Bearer ${user.apiKey}` });
  await post(MeDocument, {}, { authorization: `Bearer ${user.apiKey}x` });

  const text = lines.map((line: LogLine) => JSON.stringify(line)).join("\n");
  expect(text).toContain('"msg":"request"');
  expect(text).not.toContain("zebra");
  expect(text).not.toContain(user.apiKey);
  expect(text).not.toContain(env.openai.apiKey);
});
