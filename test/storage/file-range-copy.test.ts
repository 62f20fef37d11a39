import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { copyFileRange } from "../../src/storage/file-range-copy";
import { descriptorsOf } from "../support/open-files";

let root: string;
let file: string;
const bytes = randomBytes(600 * 1024 + 17);
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "imagegate-range-copy-test-"));
  file = path.join(root, "segment.seg");
  await writeFile(file, bytes);
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** What the destination received, each chunk copied as it came (a pooled buffer is overwritten afterwards). */
function collector(): { out: Writable; received: () => Buffer } {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return { out, received: () => Buffer.concat(chunks) };
}

it("sends exactly the range, across many chunks, and twice in a row from reused buffers", async () => {
  for (const [start, length] of [
    [1, 600 * 1024],
    [300 * 1024 + 5, 7],
    [0, bytes.length],
  ] as const) {
    const { out, received } = collector();
    await copyFileRange(file, start, length, out);
    expect(received().equals(bytes.subarray(start, start + length))).toBe(true);
  }
  expect(await descriptorsOf(file)).toBe(0);
});

it("rejects, and closes the file, when the file ends before the range does", async () => {
  const { out } = collector();
  await expect(copyFileRange(file, bytes.length - 10, 20, out)).rejects.toThrow(/ended 10 bytes early/);
  expect(await descriptorsOf(file)).toBe(0);
});

it("rejects when the file cannot be opened", async () => {
  await expect(copyFileRange(path.join(root, "gone.seg"), 0, 10, collector().out)).rejects.toMatchObject({
    code: "ENOENT",
  });
});

it("stops, and closes the file, when the destination closes while a chunk waits to be taken", async () => {
  // A client that stopped reading: the first chunk is never taken, so its write callback never comes.
  let written: () => void;
  const firstWrite = new Promise<void>((resolve) => (written = resolve));
  const stalled = new Writable({ write: () => written() });
  const copying = copyFileRange(file, 0, bytes.length, stalled);
  await firstWrite;
  stalled.destroy();
  await expect(copying).rejects.toThrow(/closed/);
  expect(await descriptorsOf(file)).toBe(0);
  await expect(copyFileRange(file, 0, 10, stalled)).rejects.toThrow(/closed/);
});

it("holds one chunk at a time: the next is read only once the destination has taken the last", async () => {
  let pending = 0;
  let mostPending = 0;
  const chunks: Buffer[] = [];
  const slow = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, done) {
      pending++;
      mostPending = Math.max(mostPending, pending);
      chunks.push(Buffer.from(chunk));
      setImmediate(() => {
        pending--;
        done();
      });
    },
  });
  await copyFileRange(file, 0, bytes.length, slow);
  expect(mostPending).toBe(1);
  expect(chunks.length).toBeGreaterThan(1);
  expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
});
