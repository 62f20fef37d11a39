import { ProviderError } from "../domain/generation/image-provider";

/** The image formats providers return; anything unrecognised is assumed to be PNG, every provider's default. */
export function detectImageContentType(bytes: Buffer): string {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    return "image/png";
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.length >= 12 && bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") {
    return "image/webp";
  }
  return "image/png";
}

/** Decodes a provider's base64 image; an empty or undecodable payload is the provider's fault. */
export function decodeBase64Image(base64: string, providerLabel: string): Buffer {
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length === 0) throw new ProviderError("UPSTREAM", `${providerLabel} returned an empty image`);
  return bytes;
}

const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

/**
 * Downloads an image a provider handed out as a URL (they expire within the hour, so we keep the bytes).
 * No credentials are sent: provider image URLs are pre-signed. Failures are UPSTREAM errors whose message
 * names the status but not the URL, which may carry a signature.
 */
export async function downloadImage(url: string, timeoutMs: number, providerLabel: string): Promise<Buffer> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProviderError("UPSTREAM", `${providerLabel} returned an image URL that is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new ProviderError("UPSTREAM", `${providerLabel} returned an image URL with scheme ${parsed.protocol}`);
  }
  let response: Response;
  try {
    response = await fetch(parsed, { signal: AbortSignal.timeout(timeoutMs), redirect: "follow" });
  } catch (error) {
    throw new ProviderError("UPSTREAM", `${providerLabel} image download failed: ${describeFetchFailure(error)}`);
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new ProviderError(
      "UPSTREAM",
      `${providerLabel} image download failed with HTTP ${response.status}`,
      response.status,
    );
  }
  const declaredBytes = Number(response.headers.get("content-length") ?? "0");
  if (declaredBytes > MAX_IMAGE_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new ProviderError("UPSTREAM", `${providerLabel} image download is too large (${declaredBytes} bytes)`);
  }
  let bytes: Buffer;
  try {
    bytes = Buffer.from(await response.arrayBuffer());
  } catch (error) {
    throw new ProviderError("UPSTREAM", `${providerLabel} image download failed: ${describeFetchFailure(error)}`);
  }
  if (bytes.length === 0 || bytes.length > MAX_IMAGE_BYTES) {
    throw new ProviderError("UPSTREAM", `${providerLabel} image download returned ${bytes.length} bytes`);
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
