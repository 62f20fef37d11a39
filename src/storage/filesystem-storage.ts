import { createReadStream } from "node:fs";
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { contentTypeOfKey, type ImageStorage, type StoredImage } from "./image-storage";

/** Images on the local filesystem under one root folder (`./.data/images` by default). */
export class FilesystemImageStorage implements ImageStorage {
  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Write then rename, so a reader never sees half an image.
    const partial = `${file}.${randomUUID()}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, file);
  }

  async open(key: string): Promise<StoredImage | null> {
    const contentType = contentTypeOfKey(key);
    if (contentType === null) return null;
    const file = this.pathOf(key);
    const info = await stat(file).catch(() => null);
    if (info === null || !info.isFile()) return null;
    return { contentType, sizeBytes: info.size, stream: () => createReadStream(file) };
  }

  private pathOf(key: string): string {
    if (contentTypeOfKey(key) === null) throw new Error(`not an image key: ${JSON.stringify(key)}`);
    return path.join(this.root, key);
  }
}
