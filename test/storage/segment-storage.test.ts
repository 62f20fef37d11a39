import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { SegmentImageStorage } from "../../src/storage/segment-storage";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "imagegate-storage-test-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function readAll(storage: SegmentImageStorage, key: string): Promise<Buffer> {
  const image = await storage.open(key);
  if (image === null) throw new Error(`no image under ${key}`);
  const chunks: Buffer[] = [];
  for await (const chunk of image.stream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const segmentFiles = async () => (await readdir(path.join(root, "segments"))).sort();

it("appends images of any size to one segment and reads each back from its key", async () => {
  const storage = new SegmentImageStorage(root);
  const small = Buffer.from("small image bytes");
  const large = Buffer.alloc(1024 * 1024, 7);

  const smallKey = await storage.put(small, "image/png");
  const largeKey = await storage.put(large, "image/webp");

  expect(smallKey).toMatch(/^seg\/[0-9a-z]+-[0-9a-f]{16}\/0\/17\.png$/);
  expect(largeKey).toMatch(/\/17\/1048576\.webp$/);
  expect(await readAll(storage, smallKey)).toEqual(small);
  expect(await readAll(storage, largeKey)).toEqual(large);
  expect(await storage.open(largeKey)).toMatchObject({ contentType: "image/webp", sizeBytes: large.length });
  expect(await segmentFiles()).toHaveLength(1);
});

it("keeps every one of many concurrent images apart, in one file", async () => {
  const storage = new SegmentImageStorage(root);
  const images = Array.from({ length: 50 }, (_, i) => Buffer.alloc(100 + i, i));

  const keys = await Promise.all(images.map((bytes) => storage.put(bytes, "image/png")));

  expect(new Set(keys).size).toBe(50);
  for (const [i, key] of keys.entries()) expect(await readAll(storage, key)).toEqual(images[i]);
  const [file] = await segmentFiles();
  const total = images.reduce((sum, bytes) => sum + bytes.length, 0);
  expect((await stat(path.join(root, "segments", file!))).size).toBe(total);
});

it("starts a new segment past the size limit, and another process's segments are readable", async () => {
  const storage = new SegmentImageStorage(root, 1000);
  const keys = await Promise.all(
    Array.from({ length: 5 }, (_, i) => storage.put(Buffer.alloc(400, i + 1), "image/jpeg")),
  );

  expect(await segmentFiles()).toHaveLength(3); // 400 + 400, 400 + 400, 400
  const otherProcess = new SegmentImageStorage(root);
  for (const [i, key] of keys.entries()) expect(await readAll(otherProcess, key)).toEqual(Buffer.alloc(400, i + 1));
});

it("answers null for keys that are not its own or point past a segment's end", async () => {
  const storage = new SegmentImageStorage(root);
  const key = await storage.put(Buffer.from("12345"), "image/png");
  const [, segment] = key.split("/");

  expect(await storage.open(`seg/${segment}/0/6.png`)).toBeNull();
  expect(await storage.open(`seg/${segment}/5/1.png`)).toBeNull();
  expect(await storage.open("seg/abc-0000000000000000/0/1.png")).toBeNull();
  expect(await storage.open(`seg/../${segment}/0/5.png`)).toBeNull();
  expect(await storage.open("../../etc/passwd")).toBeNull();
  expect(await storage.open(`seg/${segment}/0/5.gif`)).toBeNull();
});

it("reports a failed write, and writes the next image once the disk lets it", async () => {
  await writeFile(path.join(root, "segments"), "a file where the folder should be");
  const storage = new SegmentImageStorage(root);

  await expect(storage.put(Buffer.from("x"), "image/png")).rejects.toMatchObject({ code: "EEXIST" });
  await expect(storage.put(Buffer.from("y"), "image/png")).rejects.toMatchObject({ code: "EEXIST" });

  await rm(path.join(root, "segments"));
  const key = await storage.put(Buffer.from("z"), "image/png");
  expect(await readAll(storage, key)).toEqual(Buffer.from("z"));
  expect(await readFile(path.join(root, "segments", (await segmentFiles())[0]!), "utf8")).toBe("z");
});
