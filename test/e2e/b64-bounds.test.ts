import path from "node:path";
import { GenerateImageDocument, GenerationDocument, GenerationsDocument } from "../generated/graphql";
import { SegmentImageStorage } from "../../src/storage/segment-storage";
import type { ImageStorage } from "../../src/storage/image-storage";
import { dataOf, type GraphQLResponse } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

// b64Json is served for a generation answered alone, never in a list, and at most 32 MiB of stored images per
// answer (issue 15: a 110-byte query answered 280 MB of base64). Stored images are padded here to 11 MiB each (PNG
// readers ignore what follows the image), so that three of them pass the budget without a provider making them.

const PADDING_BYTES = 11 * 1024 * 1024;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(
    {},
    {
      storage: (dataDir) => {
        const segments = new SegmentImageStorage(path.join(dataDir, "images"));
        const storage: ImageStorage = {
          put: (bytes, contentType) => segments.put(Buffer.concat([bytes, Buffer.alloc(PADDING_BYTES)]), contentType),
          open: (key) => segments.open(key),
        };
        return storage;
      },
    },
  );
});
afterAll(() => server.close());

const B64 = { prompt: "a lighthouse", model: "DALL_E_2", size: "SIZE_256X256", responseFormat: "B64_JSON" } as const;

async function post(query: string, apiKey: string) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as GraphQLResponse<Record<string, { images: { b64Json: string | null }[] }>>;
}

it("a generation answered alone carries its images; the same in a list carries none, only their urls", async () => {
  const { apiKey } = await server.createUser("MEMBER", "1");
  const made = dataOf(await server.graphql(GenerateImageDocument, { input: B64 }, apiKey)).generateImage;
  expect(made.images[0]!.b64Json!.length).toBeGreaterThan(0);

  const alone = dataOf(await server.graphql(GenerationDocument, { id: made.id }, apiKey)).generation!;
  expect(Buffer.from(alone.images[0]!.b64Json!, "base64").subarray(0, 100)).toEqual(
    Buffer.from(made.images[0]!.b64Json!, "base64").subarray(0, 100),
  );
  const listed = dataOf(await server.graphql(GenerationsDocument, {}, apiKey)).generations.edges[0]!.node;
  expect(listed.images).toEqual([expect.objectContaining({ b64Json: null, url: made.images[0]!.url })]);
  const ledger = await post(
    "{ ledger(first: 5) { edges { node { generation { images { b64Json url } } } } } }",
    apiKey,
  );
  expect(JSON.stringify(ledger)).toContain(made.images[0]!.url);
  expect(JSON.stringify(ledger)).not.toMatch(/"b64Json":"/);
});

it("an answer reads at most 32 MiB of stored images; past that, b64Json is RESPONSE_TOO_LARGE, the rest stands", async () => {
  const { apiKey } = await server.createUser("MEMBER", "1");
  const made = dataOf(await server.graphql(GenerateImageDocument, { input: { ...B64, n: 3 } }, apiKey)).generateImage;
  // Three images of 11 MiB: two fit in one answer, the third does not, whichever of them is read last.
  const answer = await post(`{ generation(id: "${made.id}") { id images { index url b64Json } } }`, apiKey);
  const images = answer.data!.generation!.images;
  expect(images).toHaveLength(3);
  expect(images.filter((image) => image.b64Json !== null)).toHaveLength(2);
  expect(answer.errors).toHaveLength(1);
  const [error] = answer.errors!;
  expect(error!.extensions).toEqual({
    code: "RESPONSE_TOO_LARGE",
    maxBytes: 32 * 1024 * 1024,
    requestId: expect.any(String),
  });
  expect(error!.message).toMatch(/32 MiB .* read this image at its url$/);
  expect(error!.path).toEqual(["generation", "images", expect.any(Number), "b64Json"]);

  // Aliases share the one budget: the second copy of the generation gets no image at all.
  const twice = await post(
    `{ a: generation(id: "${made.id}") { images { b64Json } } b: generation(id: "${made.id}") { images { b64Json } } }`,
    apiKey,
  );
  const served = [...twice.data!.a!.images, ...twice.data!.b!.images].filter((image) => image.b64Json !== null);
  expect(served).toHaveLength(2);
  expect(twice.errors).toHaveLength(4);
});
