import { createHash } from "node:crypto";
import { PNG } from "pngjs";

/**
 * Renders a placeholder PNG of exactly width x height: a horizontal gradient between two colours derived
 * from `seed`, so different seeds give different images. Every row is the same, so with PNG's "Up" filter
 * all rows but the first become zeros and deflate at its fastest level still shrinks them to almost nothing:
 * a 1024x1024 image takes a few milliseconds and a few kilobytes.
 */
export function renderPlaceholderPng(width: number, height: number, seed: string): Buffer {
  assertDimension("width", width);
  assertDimension("height", height);
  const digest = createHash("sha256").update(seed).digest();
  const from = [digest[0] ?? 0, digest[1] ?? 0, digest[2] ?? 0];
  const to = [digest[3] ?? 255, digest[4] ?? 255, digest[5] ?? 255];

  const rowBytes = width * 3;
  const row = Buffer.allocUnsafe(rowBytes);
  for (let x = 0; x < width; x++) {
    const t = width === 1 ? 0 : x / (width - 1);
    for (let channel = 0; channel < 3; channel++) {
      const a = from[channel] ?? 0;
      const b = to[channel] ?? 0;
      row[x * 3 + channel] = Math.round(a + (b - a) * t);
    }
  }
  const pixels = Buffer.allocUnsafe(rowBytes * height);
  for (let y = 0; y < height; y++) row.copy(pixels, y * rowBytes);

  return PNG.sync.write({ width, height, data: pixels } as PNG, {
    colorType: 2,
    inputColorType: 2,
    inputHasAlpha: false,
    bitDepth: 8,
    filterType: 2,
    deflateLevel: 1,
  });
}

const MAX_DIMENSION_PX = 8192;

function assertDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION_PX) {
    throw new RangeError(`${name} must be an integer between 1 and ${MAX_DIMENSION_PX}, got ${value}`);
  }
}
