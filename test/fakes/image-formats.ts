import { createHash } from "node:crypto";
import { renderPlaceholderPng } from "../../src/providers/placeholder-png";
import { isPng, pngSize } from "./png";

// Placeholder images in the three formats GPT image models return, of exactly the size asked for and one flat
// colour derived from a seed, so that different seeds give different bytes. JPEG and WEBP are encoded by hand (no
// image library in the project): a flat image needs almost nothing of either format, so a 3840x2160 image takes a
// few milliseconds and about 32 KB as JPEG (two bits per 8x8 block), and 32 bytes as WebP whatever its size.

export type FakeImageFormat = "png" | "jpeg" | "webp";

export const CONTENT_TYPES: Readonly<Record<FakeImageFormat, string>> = {
  png: "image/png",
  jpeg: "image/jpeg",
  webp: "image/webp",
};

export function renderPlaceholder(format: FakeImageFormat, width: number, height: number, seed: string): Buffer {
  if (format === "png") return renderPlaceholderPng(width, height, seed);
  return format === "jpeg" ? renderPlaceholderJpeg(width, height, seed) : renderPlaceholderWebp(width, height, seed);
}

function seedBytes(seed: string): Buffer {
  return createHash("sha256").update(seed).digest();
}

function assertSide(side: number, max: number): void {
  if (!Number.isInteger(side) || side < 1 || side > max) throw new Error(`image side ${side} is not 1..${max}`);
}

/** Most-significant bit first, with JPEG's byte stuffing (0x00 after every 0xFF) and 1-bits padding the last byte. */
class JpegBitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: number, count: number): void {
    for (let bit = count - 1; bit >= 0; bit--) {
      this.current = (this.current << 1) | ((value >> bit) & 1);
      if (++this.used === 8) this.flushByte();
    }
  }

  finish(): Buffer {
    if (this.used > 0) this.write((1 << (8 - this.used)) - 1, 8 - this.used);
    return Buffer.from(this.bytes);
  }

  private flushByte(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0x00);
    this.current = 0;
    this.used = 0;
  }
}

function segment(marker: number, payload: number[]): Buffer {
  return Buffer.from([0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload]);
}

/**
 * A baseline greyscale JPEG of one flat grey. With every quantiser 1, a flat block's only coefficient is DC =
 * 8 * (grey - 128): the first block codes that difference, every other block codes "DC unchanged" and "end of block",
 * one bit each with Huffman tables of one or two symbols.
 */
export function renderPlaceholderJpeg(width: number, height: number, seed: string): Buffer {
  assertSide(width, 65_535);
  assertSide(height, 65_535);
  const dc = 8 * ((seedBytes(seed)[0] ?? 128) - 128);
  const magnitude = Math.abs(dc);
  const category = magnitude === 0 ? 0 : Math.floor(Math.log2(magnitude)) + 1;
  // DC table: category 0 is "0"; the first block's category, if not 0, is "10". AC table: end of block is "0".
  const dcCounts = [1, category === 0 ? 0 : 1, ...Array<number>(14).fill(0)];
  const dcSymbols = category === 0 ? [0] : [0, category];
  const acCounts = [1, ...Array<number>(15).fill(0)];

  const bits = new JpegBitWriter();
  if (category === 0) bits.write(0, 1);
  else bits.write(0b10, 2);
  if (category > 0) bits.write(dc > 0 ? dc : dc + (1 << category) - 1, category);
  bits.write(0, 1);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  for (let block = 1; block < blocks; block++) bits.write(0, 2);

  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    segment(0xdb, [0x00, ...Array<number>(64).fill(1)]),
    segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, ...dcCounts, ...dcSymbols]),
    segment(0xc4, [0x10, ...acCounts, 0x00]),
    segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    bits.finish(),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** Least-significant bit first, as WebP lossless (VP8L) reads them. */
class LsbBitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private used = 0;

  write(value: number, count: number): void {
    for (let bit = 0; bit < count; bit++) {
      this.current |= ((value >> bit) & 1) << this.used;
      if (++this.used === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.used = 0;
      }
    }
  }

  finish(): Buffer {
    if (this.used > 0) this.bytes.push(this.current);
    return Buffer.from(this.bytes);
  }
}

/**
 * A lossless WebP (VP8L) of one flat opaque colour: each of the five prefix codes has a single symbol, which takes
 * zero bits to read, so the pixels themselves take no bytes at all.
 */
export function renderPlaceholderWebp(width: number, height: number, seed: string): Buffer {
  assertSide(width, 16_384);
  assertSide(height, 16_384);
  const [red = 0, green = 0, blue = 0] = seedBytes(seed);
  const bits = new LsbBitWriter();
  bits.write(0x2f, 8); // VP8L signature
  bits.write(width - 1, 14);
  bits.write(height - 1, 14);
  bits.write(0, 1); // alpha is not used
  bits.write(0, 3); // version 0
  bits.write(0, 1); // no transform
  bits.write(0, 1); // no colour cache
  bits.write(0, 1); // no meta prefix codes
  for (const symbol of [green, red, blue, 255, 0]) {
    bits.write(1, 1); // simple code
    bits.write(0, 1); // one symbol
    const wide = symbol > 1;
    bits.write(wide ? 1 : 0, 1);
    bits.write(symbol, wide ? 8 : 1);
  }
  const data = bits.finish();
  const padding = data.length % 2;
  const chunkHeader = Buffer.alloc(8);
  chunkHeader.write("VP8L", 0, "latin1");
  chunkHeader.writeUInt32LE(data.length, 4);
  const riffHeader = Buffer.alloc(12);
  riffHeader.write("RIFF", 0, "latin1");
  riffHeader.writeUInt32LE(4 + 8 + data.length + padding, 4);
  riffHeader.write("WEBP", 8, "latin1");
  return Buffer.concat([riffHeader, chunkHeader, data, Buffer.alloc(padding)]);
}

/** Width and height from a baseline JPEG's SOF0 segment; throws when the bytes are not such a JPEG. */
export function jpegSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error("not a JPEG");
  let offset = 2;
  while (offset + 9 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1];
    if (marker === 0xc0) return { width: bytes.readUInt16BE(offset + 7), height: bytes.readUInt16BE(offset + 5) };
    offset += 2 + bytes.readUInt16BE(offset + 2);
  }
  throw new Error("JPEG without a baseline frame header");
}

/** Width and height from a lossless WebP's VP8L header; throws when the bytes are not such a WebP. */
export function webpSize(bytes: Buffer): { width: number; height: number } {
  const isWebp = bytes.length >= 25 && bytes.toString("latin1", 0, 4) === "RIFF";
  if (!isWebp || bytes.toString("latin1", 8, 16) !== "WEBPVP8L" || bytes[20] !== 0x2f) throw new Error("not a WebP");
  const header = bytes.readUInt32LE(21);
  return { width: (header & 0x3fff) + 1, height: ((header >>> 14) & 0x3fff) + 1 };
}

/** The format and size of a PNG, JPEG or WebP the fakes made. */
export function imageInfo(bytes: Buffer): { format: FakeImageFormat; width: number; height: number } {
  if (isPng(bytes)) return { format: "png", ...pngSize(bytes) };
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return { format: "jpeg", ...jpegSize(bytes) };
  return { format: "webp", ...webpSize(bytes) };
}
