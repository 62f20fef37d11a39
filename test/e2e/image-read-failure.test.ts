import { createReadStream } from "node:fs";
import path from "node:path";
import { GenerateImageDocument } from "../generated/graphql";
import { SegmentImageStorage } from "../../src/storage/segment-storage";
import type { ImageStorage } from "../../src/storage/image-storage";
import { dataOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

// The image store's files as they are, except that a test can make reading one fail after it was found (the file
// removed meanwhile, no descriptor left): the read stream then errors, as a real one does.

let failReads = false;
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
            const image = await segments.open(key);
            if (image === null || !failReads) return image;
            return { ...image, stream: () => createReadStream(path.join(dataDir, "gone.seg")) };
          },
        };
        return storage;
      },
    },
  );
});
afterAll(() => server.close());

it("an image whose file cannot be read is a 503, and the server goes on", async () => {
  const { apiKey } = await server.createUser("MEMBER", "1");
  const input = { prompt: "a quay", model: "DALL_E_2", size: "SIZE_256X256" } as const;
  const url = dataOf(await server.graphql(GenerateImageDocument, { input }, apiKey)).generateImage.images[0]!.url!;

  failReads = true;
  try {
    const failed = await fetch(url);
    expect(failed.status).toBe(503);
    expect(failed.headers.get("cache-control")).toBeNull();
    expect(failed.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await failed.json()).toEqual({ error: "unavailable" });
  } finally {
    failReads = false;
  }
  const served = await fetch(url);
  expect(served.status).toBe(200);
  expect(served.headers.get("content-type")).toBe("image/png");
  expect((await served.arrayBuffer()).byteLength).toBeGreaterThan(0);
});
