import { print } from "graphql";
import { GenerateImageDocument } from "../generated/graphql";
import { errorOf, type GraphQLResponse } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

// What refusals say, on a server started as in production (NODE_ENV=production, read when the server starts).

let server: TestServer;
let member: { userId: string; apiKey: string };
beforeAll(async () => {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    server = await startTestServer();
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  member = await server.createUser("MEMBER", "1");
});
afterAll(() => server.close());

async function post(body: object, apiKey = member.apiKey) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
  });
  return errorOf((await response.json()) as GraphQLResponse<unknown>);
}

describe("in production, no error suggests a name of the schema (introspection is off)", () => {
  it("introspection is refused", async () => {
    const error = await post({ query: "{ __schema { types { name } } }" });
    expect(error.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it.each([
    ["a field", { query: "{ mee { id } }" }, 'Cannot query field "mee" on type "Query".'],
    ["an argument", { query: "{ generations(frist: 2) { edges { cursor } } }" }, 'Unknown argument "frist"'],
    [
      "an enum value in a variable",
      { query: print(GenerateImageDocument), variables: { input: { prompt: "x", model: "DALL_E_4" } } },
      'Value "DALL_E_4" does not exist in "ImageModel" enum.',
    ],
    [
      "an input field in a variable",
      { query: print(GenerateImageDocument), variables: { input: { prompt: "x", modle: "DALL_E_2" } } },
      'Field "modle" is not defined by type "GenerateImageInput".',
    ],
  ])("a misspelt %s", async (_what, body, expected) => {
    const error = await post(body);
    expect(error.message).toContain(expected);
    expect(error.message).not.toMatch(/did you mean/i);
  });
});

describe("FORBIDDEN says which role would do", () => {
  it.each([
    ["{ teams { id } }", ["FINANCE", "ADMIN"], "This needs the FINANCE or ADMIN role"],
    ['mutation { createTeam(name: "x") { id } }', ["ADMIN"], "This needs the ADMIN role"],
  ])("%s", async (query, requiredRoles, message) => {
    const error = await post({ query });
    expect(error).toMatchObject({ message, extensions: { code: "FORBIDDEN", requiredRoles } });
  });

  it("an API key for another user", async () => {
    const other = await server.createUser("MEMBER");
    const error = await post({ query: `mutation { createApiKey(userId: "${other.userId}", name: "k") { id } }` });
    expect(error).toMatchObject({
      message: "An API key for another user needs the ADMIN role",
      extensions: { code: "FORBIDDEN", requiredRoles: ["ADMIN"] },
    });
  });
});
