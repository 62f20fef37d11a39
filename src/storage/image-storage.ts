import type { Readable } from "node:stream";

/** Where image bytes live. Keys are ours (`<generation id>/<index>.<ext>`), never a client's path. */
export interface ImageStorage {
  put(key: string, bytes: Buffer): Promise<void>;
  /** The stored image, or null when there is none under that key. */
  open(key: string): Promise<StoredImage | null>;
}

export interface StoredImage {
  contentType: string;
  sizeBytes: number;
  stream(): Readable;
}

const EXTENSIONS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };
const CONTENT_TYPES: Record<string, string> = { png: "image/png", jpg: "image/jpeg", webp: "image/webp" };
const KEY_PATTERN = /^[0-9a-f-]{36}\/\d{1,2}\.(png|jpg|webp)$/;

export function imageKey(generationId: string, index: number, contentType: string): string {
  return `${generationId}/${index}.${EXTENSIONS[contentType] ?? "png"}`;
}

/** The content type a key stands for, or null for anything that is not one of our keys (e.g. `../etc/passwd`). */
export function contentTypeOfKey(key: string): string | null {
  const match = KEY_PATTERN.exec(key);
  return match === null ? null : (CONTENT_TYPES[match[1]!] ?? null);
}
