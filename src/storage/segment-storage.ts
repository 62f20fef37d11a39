import { randomBytes } from "node:crypto";
import { close, createReadStream, open, writev } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { copyFileRange } from "./file-range-copy";
import { contentTypeOfExtension, extensionOf, type ImageStorage, type StoredImage } from "./image-storage";

const openAsync = promisify(open);
const writevAsync = promisify(writev);
const closeAsync = promisify(close);

/** A new segment is started past this size: files stay easy to copy, and an offset stays a small number. */
const DEFAULT_SEGMENT_BYTES = 256 * 1024 * 1024;
const KEY_PATTERN = /^seg\/([0-9a-z]{1,12}-[0-9a-f]{16})\/(\d{1,15})\/(\d{1,10})\.(png|jpg|webp)$/;

interface Segment {
  id: string;
  fd: Promise<number>;
  /** Where the next image goes. */
  end: number;
  /** Writes queued or in flight: the file is closed when it is full and none are left. */
  pending: number;
  closed: boolean;
}

interface QueuedWrite {
  segment: Segment;
  position: number;
  bytes: Buffer;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Images appended to segment files under one root folder (`./.data/images/segments/<segment>.seg`), each process
 * writing its own segments, the way blob stores such as Haystack keep small objects. A file per image cost an
 * inode allocation and three thread-pool round trips per image (bench/RESULTS.md); here the images that arrive
 * while a write is in flight go to disk together in one `writev`. The key records where the bytes are
 * (`seg/<segment>/<offset>/<length>.<ext>`); it lives in the database and is never taken from a client. Nothing
 * refers to a key until its write has resolved, so no reader sees half an image; bytes of a failed write are
 * never referred to.
 */
export class SegmentImageStorage implements ImageStorage {
  private current: Segment | null = null;
  private readonly queue: QueuedWrite[] = [];
  private writing = false;
  private readonly folder: string;
  private folderReady: Promise<unknown> | null = null;

  constructor(
    root: string,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {
    this.folder = path.join(root, "segments");
  }

  async put(bytes: Buffer, contentType: string): Promise<string> {
    const segment = this.segmentFor(bytes.length);
    const position = segment.end;
    segment.end += bytes.length;
    segment.pending++;
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ segment, position, bytes, resolve, reject });
      void this.writeQueued();
    });
    return `seg/${segment.id}/${position}/${bytes.length}.${extensionOf(contentType)}`;
  }

  async open(key: string): Promise<StoredImage | null> {
    const match = KEY_PATTERN.exec(key);
    if (match === null) return null;
    const [segmentId, offsetText, lengthText, extension] = match.slice(1) as [string, string, string, string];
    const file = path.join(this.folder, `${segmentId}.seg`);
    const [start, length] = [Number(offsetText), Number(lengthText)];
    const info = await stat(file).catch(() => null);
    if (info === null || !info.isFile() || info.size < start + length) return null;
    return {
      contentType: contentTypeOfExtension(extension)!,
      sizeBytes: length,
      stream: () => createReadStream(file, { start, end: start + length - 1 }),
      sendTo: (out) => copyFileRange(file, start, length, out),
    };
  }

  private segmentFor(length: number): Segment {
    const current = this.current;
    if (current !== null && (current.end === 0 || current.end + length <= this.segmentBytes)) return current;
    if (current !== null) this.retire(current);
    const id = `${Date.now().toString(36)}-${randomBytes(8).toString("hex")}`;
    this.folderReady ??= mkdir(this.folder, { recursive: true }).catch((error: unknown) => {
      this.folderReady = null; // tried again by the next image
      throw error;
    });
    const fd = this.folderReady.then(() => openAsync(path.join(this.folder, `${id}.seg`), "wx"));
    fd.catch(() => undefined); // reported to the writes that use it
    this.current = { id, fd, end: 0, pending: 0, closed: false };
    return this.current;
  }

  /** One write at a time: every image queued for the oldest segment with writes, in one `writev`. */
  private async writeQueued(): Promise<void> {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    const segment = this.queue[0]!.segment;
    let count = 0;
    while (count < this.queue.length && this.queue[count]!.segment === segment) count++;
    const batch = this.queue.splice(0, count);
    try {
      const bytes = batch.map((write) => write.bytes);
      const { bytesWritten } = await writevAsync(await segment.fd, bytes, batch[0]!.position);
      const expected = bytes.reduce((sum, buffer) => sum + buffer.length, 0);
      if (bytesWritten !== expected) {
        throw new Error(`short write to segment ${segment.id}: ${bytesWritten} of ${expected} bytes`);
      }
      for (const write of batch) write.resolve();
    } catch (error) {
      for (const write of batch) write.reject(error);
      // A segment that failed once is not written again: the next image starts a new one.
      if (this.current === segment) this.retire(segment);
    } finally {
      segment.pending -= batch.length;
      this.closeIfDone(segment);
      this.writing = false;
      void this.writeQueued();
    }
  }

  private retire(segment: Segment): void {
    if (this.current === segment) this.current = null;
    this.closeIfDone(segment);
  }

  private closeIfDone(segment: Segment): void {
    if (this.current === segment || segment.pending > 0 || segment.closed) return;
    segment.closed = true;
    segment.fd.then(closeAsync).catch(() => undefined);
  }
}
