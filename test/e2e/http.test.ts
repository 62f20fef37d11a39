import { getIntrospectionQuery } from "graphql";
import { GenerateImageDocument, ModelsDocument } from "../generated/graphql";
import { pngSize } from "../fakes/png";
import { dataOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(); // no provider keys: the built-in local provider
});
afterAll(() => server.close());

describe("with no provider configured", () => {
  it("serves every model from the local provider, at the right size and price", async () => {
    const user = await server.createUser("MEMBER", "1");
    const models = dataOf(await server.graphql(ModelsDocument, {}, user.apiKey)).models;
    expect(new Set(models.map((model) => model.provider))).toEqual(new Set(["local"]));
    const generation = dataOf(
      await server.graphql(
        GenerateImageDocument,
        { input: { prompt: "a boat", model: "DALL_E_3", size: "SIZE_1792X1024" } },
        user.apiKey,
      ),
    ).generateImage;
    expect(generation).toMatchObject({ provider: "local", status: "SUCCEEDED", cost: "0.080000" });
    const image = await fetch(generation.images[0]!.url!);
    expect(pngSize(Buffer.from(await image.arrayBuffer()))).toEqual({ width: 1792, height: 1024 });
  });
});

describe("health", () => {
  it("GET /healthz answers while the process is up, /readyz while the database answers", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});

describe("nothing internal reaches a client", () => {
  it("a malformed JSON body is a 400 without details", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toMatch(/at |SyntaxError|node_modules/);
  });

  it("a body over 1 MB is a 413, another charset a 415, and neither reaches GraphQL", async () => {
    const large = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ models { model } }", padding: "x".repeat(1024 * 1024) }),
    });
    expect(large.status).toBe(413);
    expect(await large.json()).toEqual({ error: "bad request" });
    const latin1 = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=latin1" },
      body: JSON.stringify({ query: "{ models { model } }" }),
    });
    expect(latin1.status).toBe(415);
  });

  it("a body that is not JSON is refused by Apollo as a possible cross-site request", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ query: "{ models { model } }" }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/Cross-Site Request Forgery/);
  });

  it("queries also answer over GET, with a query string, and JSON with a charset", async () => {
    const viaGet = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(await viaGet.json()).toEqual({ data: { __typename: "Query" } });
    const withCharset = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(await withCharset.json()).toEqual({ data: { __typename: "Query" } });
  });

  it("a syntax error in a query is GRAPHQL_PARSE_FAILED without a stack trace", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ me { " }),
    });
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0]!.extensions.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(JSON.stringify(body)).not.toMatch(/stacktrace|node_modules/);
  });

  it.each([
    [
      "a subscription, which is served over graphql-ws only",
      { query: 'subscription { generationUpdated(id: "x") { generation { id } } }' },
    ],
    [
      "a persisted query whose hash does not match its text",
      { query: "{ __typename }", extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } },
    ],
  ])("%s: BAD_REQUEST, with GraphQL's own message", async (_what, body) => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(answer.errors[0]!.extensions).toEqual({ code: "BAD_REQUEST", requestId: expect.any(String) });
    expect(answer.errors[0]!.message).not.toBe("Internal server error");
  });

  it.each([
    ["16 aliases", `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(" ")} }`, /aliases/i],
    ["11 levels of selection", `{ me { team { ${"members { team { ".repeat(4)}id${" } }".repeat(4)} } } }`, /depth/i],
  ])("an operation with %s is refused before it runs", async (_what, query, reason) => {
    const { apiKey } = await server.createUser("ADMIN");
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query }),
    });
    const answer = (await response.json()) as { data?: unknown; errors: { message: string; extensions: object }[] };
    expect(answer.errors[0]!.extensions).toEqual({ code: "GRAPHQL_VALIDATION_FAILED", requestId: expect.any(String) });
    expect(answer.errors[0]!.message).toMatch(reason);
    expect(answer.data).toBeUndefined();
  });

  it("the standard introspection query stays within the limits", async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: getIntrospectionQuery() }),
    });
    const answer = (await response.json()) as { data?: { __schema: { types: unknown[] } }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.__schema.types.length).toBeGreaterThan(10);
  });

  it("unknown routes are 404", async () => {
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
