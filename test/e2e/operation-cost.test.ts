import { startTestServer, type TestServer } from "../support/test-server";

// An operation's cost counts the rows of its lists (issue 15): a page's `first`, 100 for a variable, 20 when absent,
// and a generation's images as 10. The limit is 10,000: a page of 100 generations with everything on them fits.

let server: TestServer;
let apiKey: string;
beforeAll(async () => {
  server = await startTestServer();
  ({ apiKey } = await server.createUser("MEMBER", "1"));
});
afterAll(() => server.close());

interface Answer {
  data?: unknown;
  errors?: { message: string; extensions: Record<string, unknown> }[];
}

async function post(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Answer;
}

const NODE = `id status provider model servedModel size width height quality style n prompt cost shortfall createdAt
  completedAt errorCode usage { textInputTokens imageInputTokens outputTokens }
  images { index url width height revisedPrompt b64Json } user { id email }`;
const page = (first: string) =>
  `generations${first === "" ? "" : `(${first})`} { pageInfo { hasNextPage endCursor } edges { cursor node { ${NODE} } } }`;

it("a page of 100 generations with every field, images and user fits (8,705)", async () => {
  const answer = await post(`{ ${page("first: 100")} }`);
  expect(answer.errors).toBeUndefined();
  expect(answer.data).toEqual({ generations: { pageInfo: { hasNextPage: false, endCursor: null }, edges: [] } });
});

it("past the limit, the refusal says what the operation cost and what the limit is, and nothing runs", async () => {
  const answer = await post(`{ a: ${page("first: 100")} b: ${page("first: 100")} }`);
  expect(answer.data).toBeUndefined();
  expect(answer.errors).toHaveLength(1);
  const [error] = answer.errors!;
  expect(error!.extensions).toEqual({
    code: "GRAPHQL_VALIDATION_FAILED",
    cost: 17_410,
    maxCost: 10_000,
    requestId: expect.any(String),
  });
  expect(error!.message).toMatch(/^This operation costs 17410, more than the limit of 10000/);
  expect(error!.message).not.toMatch(/syntax/i);
});

const aliased = (count: number, first: string) =>
  `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${page(first)}`).join(" ")} }`;

it.each([
  ["first: 50, twice: 8,710", aliased(2, "first: 50"), 8_710],
  ["first: 60, twice: 10,450", aliased(2, "first: 60"), 10_450],
  ["no first (20 rows), five times: 8,725", aliased(5, ""), 8_725],
  ["no first (20 rows), six times: 10,470", aliased(6, ""), 10_470],
])("counts the rows a page asks for: %s", async (_what, query, cost) => {
  const answer = await post(query);
  if (cost <= 10_000) expect(answer.errors).toBeUndefined();
  else {
    expect(answer.errors![0]!.extensions).toEqual({
      code: "GRAPHQL_VALIDATION_FAILED",
      cost,
      maxCost: 10_000,
      requestId: expect.any(String),
    });
  }
});

it("a first given as a variable counts as the most a page holds (100), whatever the value sent", async () => {
  const query = `query ($a: Int, $b: Int) { a: ${page("first: $a")} b: ${page("first: $b")} }`;
  const answer = await post(query, { a: 1, b: 1 });
  expect(answer.errors![0]!.extensions).toMatchObject({ code: "GRAPHQL_VALIDATION_FAILED", cost: 17_410 });
});

it("fragments count where they are spread", async () => {
  const query = `fragment G on GenerationConnection { edges { node { ${NODE} } } }
    { a: generations(first: 100) { ...G } b: generations(first: 100) { ...G } }`;
  expect((await post(query)).errors![0]!.extensions).toMatchObject({ cost: 17_204 });
});

it("the aliases and depth limits are not worded as syntax errors either", async () => {
  const aliases = await post(`{ ${Array.from({ length: 16 }, (_, i) => `a${i}: me { id }`).join(" ")} }`);
  expect(aliases.errors![0]!.message).toBe("Aliases limit of 15 exceeded, found 16.");
});

it("fragments spread many times by fragments spread many times are costed without walking every path", async () => {
  // Twelve fragments, each spreading the next 40 times: 40^11 paths, which walking one by one would never finish.
  const fragments = Array.from(
    { length: 12 },
    (_, i) => `fragment F${i} on User { id ${i === 11 ? "" : `...F${i + 1} `.repeat(40)} }`,
  );
  const answer = await post(`{ me { ...F0 } } ${fragments.join(" ")}`);
  const refusal = answer.errors!.find((error) => error.extensions.cost !== undefined);
  expect(refusal!.extensions.cost).toBeGreaterThan(40 ** 10);
});
