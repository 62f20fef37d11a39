import path from "node:path";
import { GenerateImageDocument, GenerationDocument, GenerationsDocument } from "../generated/graphql";
import { SegmentImageStorage } from "../../src/storage/segment-storage";
import type { ImageStorage } from "../../src/storage/image-storage";
import { eventually } from "../support/eventually";
import { dataOf, errorOf, type GraphQLResponse } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

// At most 2 operations of one caller run at once and 32 wait, generateImage aside (issue 15). Reading a stored
// image's bytes (b64Json) can be held here, so that a caller's reads stay running exactly as long as the test wants.

let holdReads: Promise<void> | null = null;
let readsStarted = 0;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    {},
    {
      storage: (dataDir) => {
        const segments = new SegmentImageStorage(path.join(dataDir, "images"));
        const storage: ImageStorage = {
          put: (bytes, contentType) => segments.put(bytes, contentType),
          async open(key) {
            readsStarted++;
            await holdReads;
            return segments.open(key);
          },
        };
        return storage;
      },
    },
  );
});
afterAll(() => server.close());

const IMAGE = { prompt: "a harbour", model: "DALL_E_2", size: "SIZE_256X256", responseFormat: "B64_JSON" } as const;

async function post(body: object, apiKey: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
  });
  return { response, body: (await response.json()) as GraphQLResponse<unknown> };
}

const operationsOf = (userId: string) => server.app.services.operations.stateOf(userId);

it("a caller's operations past 2 wait in line, past 32 waiting they are RATE_LIMITED; others go on", async () => {
  const member = await server.createUser("MEMBER", "5");
  const other = await server.createUser("MEMBER", "5");
  const id = dataOf(await server.graphql(GenerateImageDocument, { input: IMAGE }, member.apiKey)).generateImage.id;
  // Operations that end in errors, at every stage, give their place back.
  for (let i = 0; i < 3; i++) {
    expect(errorOf((await post({ query: "{ teams { id } }" }, member.apiKey)).body).code).toBe("FORBIDDEN");
    expect(errorOf(await server.graphql(GenerationsDocument, { first: 0 }, member.apiKey)).code).toBe("BAD_USER_INPUT");
    expect(errorOf((await post({ query: "{ me { nope } }" }, member.apiKey)).body).code).toBe(
      "GRAPHQL_VALIDATION_FAILED",
    );
  }
  expect(operationsOf(member.userId)).toEqual({ running: 0, waiting: 0 });

  let letReadsGo!: () => void;
  holdReads = new Promise((resolve) => (letReadsGo = resolve));
  readsStarted = 0;
  const running = Array.from({ length: 2 }, () => server.graphql(GenerationDocument, { id }, member.apiKey));
  const waiting: Promise<{ body: GraphQLResponse<unknown> }>[] = [];
  try {
    await eventually(() => readsStarted === 2, 10_000, "two reads of the stored image under way");
    waiting.push(...Array.from({ length: 31 }, () => post({ query: "{ me { id } }" }, member.apiKey)));
    await eventually(() => operationsOf(member.userId).waiting === 31, 10_000, "31 operations waiting");
    // Refused by another check while it waits in line: answered at once; its place, once reached, is given back.
    const nul = await post(
      { query: "query ($x: String) { generations(after: $x) { edges { cursor } } }", variables: { x: "\u0000" } },
      member.apiKey,
    );
    expect(nul.response.status).toBe(400);
    expect(operationsOf(member.userId)).toEqual({ running: 2, waiting: 32 });

    const refused = await post({ query: "{ me { id } }" }, member.apiKey);
    expect(refused.response.status).toBe(429);
    expect(refused.response.headers.get("retry-after")).toBe("1");
    expect(refused.body.errors).toEqual([
      {
        message: "At most 2 operations of a caller run at once and 32 wait (generateImage aside); try again in 1 s",
        extensions: {
          code: "RATE_LIMITED",
          retryAfterSeconds: 1,
          operationsRunning: 2,
          operationsWaiting: 32,
          requestId: expect.any(String),
        },
      },
    ]);
    const input = { ...IMAGE, responseFormat: "URL" } as const;
    const generated = dataOf(await server.graphql(GenerateImageDocument, { input }, member.apiKey));
    expect(generated.generateImage.status).toBe("SUCCEEDED");
    // Mutations other than generateImage do not wait either: an admin's burst of grants is never refused half-way.
    expect(errorOf((await post({ query: 'mutation { revokeApiKey(id: "x") }' }, member.apiKey)).body).code).not.toBe(
      "RATE_LIMITED",
    );
    expect(dataOf(await server.graphql(GenerationsDocument, {}, other.apiKey)).generations.edges).toEqual([]);
    expect(operationsOf(member.userId)).toEqual({ running: 2, waiting: 32 });
  } finally {
    letReadsGo();
    holdReads = null;
  }
  for (const answer of await Promise.all(running)) {
    expect(dataOf(answer).generation!.images[0]!.b64Json!.length).toBeGreaterThan(0);
  }
  for (const answer of await Promise.all(waiting)) expect(answer.body.errors).toBeUndefined();
  expect(operationsOf(member.userId)).toEqual({ running: 0, waiting: 0 });
});
