import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { FilesystemImageStorage } from "../../src/storage/filesystem-storage";
import { imageKey } from "../../src/storage/image-storage";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "imagegate-storage-test-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function readAll(storage: FilesystemImageStorage, key: string): Promise<Buffer> {
  const image = await storage.open(key);
  if (image === null) throw new Error(`no image under ${key}`);
  const chunks: Buffer[] = [];
  for await (const chunk of image.stream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

it("stores small and large images and reads them back", async () => {
  const storage = new FilesystemImageStorage(root);
  const id = "3f0c2a9e-1111-4222-8333-444455556666";
  const small = Buffer.from("small image bytes");
  const large = Buffer.alloc(1024 * 1024, 7);

  await storage.put(imageKey(id, 0, "image/png"), small);
  await storage.put(imageKey(id, 1, "image/webp"), large);

  expect(await readAll(storage, imageKey(id, 0, "image/png"))).toEqual(small);
  expect(await readAll(storage, imageKey(id, 1, "image/webp"))).toEqual(large);
  expect(await storage.open(imageKey(id, 1, "image/webp"))).toMatchObject({
    contentType: "image/webp",
    sizeBytes: large.length,
  });
  // Fanned out by the id's first two hex digits: one folder per 256th of the ids, not one per generation.
  expect(await readdir(root)).toEqual(["3f"]);
  expect((await readdir(path.join(root, "3f"))).sort()).toEqual([`${id}.0.png`, `${id}.1.webp`]);
});

it("answers null for unknown keys and for anything that is not one of its keys", async () => {
  const storage = new FilesystemImageStorage(root);
  expect(await storage.open(imageKey("00000000-0000-4000-8000-000000000000", 0, "image/png"))).toBeNull();
  expect(await storage.open("../../etc/passwd")).toBeNull();
  await expect(storage.put("../outside.png", Buffer.from("x"))).rejects.toThrow("not an image key");
});

it("reports a failed write and leaves nothing under the key", async () => {
  const storage = new FilesystemImageStorage(root);
  const id = "ab0c2a9e-1111-4222-8333-444455556666";
  const key = imageKey(id, 0, "image/png");
  await mkdir(path.join(root, "ab", `${id}.0.png`), { recursive: true }); // a folder where the file should go

  await expect(storage.put(key, Buffer.from("x"))).rejects.toMatchObject({ code: "EISDIR" });
  await expect(storage.put(key, Buffer.alloc(512 * 1024))).rejects.toMatchObject({ code: "EISDIR" });
  expect(await storage.open(key)).toBeNull();
});
