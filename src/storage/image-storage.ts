import type { Readable, Writable } from "node:stream";

/** Where image bytes live. */
export interface ImageStorage {
  /** Stores the bytes; answers the key to find them under, ours to record, never a client's. */
  put(bytes: Buffer, contentType: string): Promise<string>;
  /** The stored image, or null when there is none under that key. */
  open(key: string): Promise<StoredImage | null>;
}

export interface StoredImage {
  contentType: string;
  sizeBytes: number;
  stream(): Readable;
  /**
   * Writes the bytes to `out` (an HTTP response), holding one chunk at a time; resolves once `out` has taken them
   * all, rejects when reading fails or `out` does. The caller ends `out`, or destroys it on failure.
   */
  sendTo(out: Writable): Promise<void>;
}

const EXTENSIONS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };

export function extensionOf(contentType: string): string {
  return EXTENSIONS[contentType] ?? "png";
}

/** The content type an extension of ours stands for. */
export function contentTypeOfExtension(extension: string): string | undefined {
  return Object.keys(EXTENSIONS).find((contentType) => EXTENSIONS[contentType] === extension);
}

/** The last part of an image's public URL, `/images/<generation id>/<index>.<ext>`. */
export function imageFileName(index: number, contentType: string): string {
  return `${index}.${extensionOf(contentType)}`;
}
