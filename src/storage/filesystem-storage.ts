import { createReadStream, writeFile } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { contentTypeOfKey, type ImageStorage, type StoredImage } from "./image-storage";

// The callback API, promisified: fs/promises' writeFile goes through a FileHandle and a promise per step, which
// cost more main-thread time per image than the write itself (a quarter of a profile at c=32, bench/RESULTS.md).
const writeFileAsync = promisify(writeFile);

/**
 * Images on the local filesystem under one root folder (`./.data/images` by default), fanned out over 256 folders
 * by the first two hex digits of the generation id: `<root>/3f/3f0c...-1a2b/0.png` would cost a mkdir per
 * generation; `<root>/3f/3f0c...-1a2b.0.png` costs one per folder per process.
 */
export class FilesystemImageStorage implements ImageStorage {
  private readonly createdFolders = new Set<string>();

  constructor(private readonly root: string) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = this.pathOf(key);
    const folder = path.dirname(file);
    if (!this.createdFolders.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.createdFolders.add(folder);
    }
    // Written in place: nothing refers to the key until the generation is settled, after this resolves, so no
    // reader can see half an image; a failed write leaves no file behind.
    await writeFileAsync(file, bytes).catch(async (error: unknown) => {
      await rm(file, { force: true }).catch(() => undefined);
      throw error;
    });
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
    const [generationId, fileName] = key.split("/") as [string, string];
    return path.join(this.root, generationId.slice(0, 2), `${generationId}.${fileName}`);
  }
}
