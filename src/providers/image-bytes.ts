import { ProviderError } from "../domain/generation/image-provider";

/** What we serve; a provider's bytes are stored only when their signature says they are one of these. */
export type ImageContentType = "image/png" | "image/jpeg" | "image/webp";

/** The content type by the bytes' signature, or undefined for anything that is not a PNG, JPEG or WEBP image. */
export function detectImageContentType(bytes: Buffer): ImageContentType | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    return "image/png";
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 12 && bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") {
    return "image/webp";
  }
  return undefined;
}

/** The bytes with their content type; bytes of any other kind (an HTML page, say) are the provider's fault. */
export function checkedImage(bytes: Buffer, providerLabel: string): { bytes: Buffer; contentType: ImageContentType } {
  const contentType = detectImageContentType(bytes);
  if (contentType === undefined) {
    throw new ProviderError("UPSTREAM", `${providerLabel} returned bytes that are not a PNG, JPEG or WEBP image`);
  }
  return { bytes, contentType };
}

// Size caps. One image may take 6 bytes per pixel of the size asked for (an uncompressed 8-bit RGBA bitmap's 4, with
// half again for encoders' worst cases) plus 1 MiB of metadata (provenance manifests and the like), and never more
// than 64 MiB. So 1024x1024 may take 7 MiB, 256x256 1.4 MiB, and the largest sizes 64 MiB.
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
const IMAGE_METADATA_BYTES = 1024 * 1024;
const IMAGE_BYTES_PER_PIXEL = 6;
/** Room in a JSON answer beside its images (revised prompts, usage, field names). */
const ANSWER_OVERHEAD_BYTES = 1024 * 1024;

/** The most bytes one image of this size may take, downloaded or decoded. */
export function maxImageBytes(width: number, height: number): number {
  return Math.min(MAX_IMAGE_BYTES, IMAGE_METADATA_BYTES + width * height * IMAGE_BYTES_PER_PIXEL);
}

/** The most bytes a provider's JSON answer with n such images in base64 may take: 10.3 MiB for one 1024x1024. */
export function maxAnswerBytes(n: number, width: number, height: number): number {
  return n * base64Length(maxImageBytes(width, height)) + ANSWER_OVERHEAD_BYTES;
}

function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/** Decodes a provider's base64 image; an empty, oversized or undecodable payload is the provider's fault. */
export function decodeBase64Image(base64: string, maxBytes: number, providerLabel: string): Buffer {
  // Checked before decoding, so that an oversized string costs no copy; whitespace in it could only be a few bytes.
  if (base64.length > base64Length(maxBytes) + 1024) {
    throw new ProviderError("UPSTREAM", `${providerLabel} returned an image larger than ${maxBytes} bytes`);
  }
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length === 0) throw new ProviderError("UPSTREAM", `${providerLabel} returned an empty image`);
  if (bytes.length > maxBytes) {
    throw new ProviderError("UPSTREAM", `${providerLabel} returned an image larger than ${maxBytes} bytes`);
  }
  return bytes;
}

/**
 * A short, secret-free description of why fetch failed (timeouts and network errors only, never a URL).
 * Duck-typed: under jest, fetch's DOMException and TypeError come from another realm and fail instanceof.
 */
export function describeFetchFailure(error: unknown): string {
  if (typeof error !== "object" || error === null) return "unknown error";
  const { name, cause } = error as { name?: unknown; cause?: { code?: unknown } | null };
  if (name === "TimeoutError") return "timed out";
  if (name === "AbortError") return "aborted";
  if (name === "SyntaxError") return "not JSON";
  if (typeof cause === "object" && cause !== null && typeof cause.code === "string")
    return `network error ${cause.code}`;
  return "network error";
}
