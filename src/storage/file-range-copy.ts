import { close, open, read } from "node:fs";
import type { Writable } from "node:stream";
import { promisify } from "node:util";

const openAsync = promisify(open);
const readAsync = promisify(read);
const closeAsync = promisify(close);

/**
 * Chunk buffers are reused: a read stream allocates a fresh 64 KiB buffer per read (54 for a 3.4 MB image), a third
 * of the bytes a URL-mode generation allocated, each a cause of garbage collection (bench/RESULTS.md, session 11).
 * One chunk is held per image being sent, however slowly the client reads: a read stream held as much.
 */
const CHUNK_BYTES = 128 * 1024;
/** Buffers kept for the next image: enough for the images sent at once under load; more are allocated and dropped. */
const POOLED_BUFFERS = 64;
const pool: Buffer[] = [];

/**
 * Sends `length` bytes of `file` from `start` to `out`, one chunk at a time: the next is read once `out` has taken
 * the last (its write callback), so a buffer is reused only when nothing still refers to it. Rejects when the file
 * ends early or `out` fails (a client gone); the caller ends or destroys `out`.
 */
export async function copyFileRange(file: string, start: number, length: number, out: Writable): Promise<void> {
  const fd = await openAsync(file, "r");
  const buffer = pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES);
  let reusable = true;
  try {
    for (let sent = 0; sent < length;) {
      const { bytesRead } = await readAsync(fd, buffer, 0, Math.min(CHUNK_BYTES, length - sent), start + sent);
      if (bytesRead === 0) throw new Error(`${file} ended ${length - sent} bytes early`);
      reusable = false; // until `out` is done with it: a write that never completes leaves it to the collector
      await writeChunk(out, buffer.subarray(0, bytesRead));
      reusable = true;
      sent += bytesRead;
    }
  } finally {
    if (reusable && pool.length < POOLED_BUFFERS) pool.push(buffer);
    await closeAsync(fd).catch(() => undefined);
  }
}

/** Resolves once `out` has taken the chunk; rejects when it fails or closes first (no callback may ever come then). */
function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error("the destination closed"));
    if (out.destroyed) return onClose();
    out.once("close", onClose);
    out.write(chunk, (error) => {
      out.off("close", onClose);
      if (error === undefined || error === null) resolve();
      else reject(error);
    });
  });
}
