import { randomBytes } from "node:crypto";
import { rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { GenerateImageDocument } from "../generated/graphql";
import { copyFileRange } from "../../src/storage/file-range-copy";
import { SegmentImageStorage } from "../../src/storage/segment-storage";
import type { ImageStorage } from "../../src/storage/image-storage";
import { descriptorsOf } from "../support/open-files";
import { dataOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

// The image store's files as they are, except that a test can make reading one fail after it was found (the file
// removed meanwhile, no descriptor left): sending it then fails, as it does for a real file. Or it can stand a large
// file in for an image, to see what a client that goes mid-image leaves behind.

let failReads = false;
let largeFile: string | undefined;
let lastSend: Promise<void> | undefined;
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
            if (image !== null && largeFile !== undefined) {
              const file = largeFile;
              const sizeBytes = (await stat(file)).size;
              return { ...image, sizeBytes, sendTo: (out) => (lastSend = copyFileRange(file, 0, sizeBytes, out)) };
            }
            if (image === null || !failReads) return image;
            return {
              ...image,
              sendTo: (out) => copyFileRange(path.join(dataDir, "gone.seg"), 0, image.sizeBytes, out),
            };
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

it("a client gone mid-image leaves no file open, and the server goes on", async () => {
  const { apiKey } = await server.createUser("MEMBER", "1");
  const input = { prompt: "a long quay", model: "DALL_E_2", size: "SIZE_256X256" } as const;
  const url = dataOf(await server.graphql(GenerateImageDocument, { input }, apiKey)).generateImage.images[0]!.url!;
  const file = path.join(os.tmpdir(), `imagegate-large-image-${process.pid}.png`);
  await writeFile(file, randomBytes(8 * 1024 * 1024));
  largeFile = file;
  try {
    // Reads the headers and the first bytes, then hangs up with megabytes still to come.
    await new Promise<void>((resolve, reject) => {
      const request = http.get(url, (response) => {
        response.once("data", () => {
          request.destroy();
          resolve();
        });
      });
      request.on("error", reject);
    });
    await expect(lastSend).rejects.toThrow();
  } finally {
    largeFile = undefined;
  }
  expect(await descriptorsOf(file)).toBe(0);
  await rm(file);
  expect((await fetch(url)).status).toBe(200);
});
