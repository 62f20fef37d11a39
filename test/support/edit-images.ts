import { PNG } from "pngjs";
import { renderPlaceholder, type FakeImageFormat } from "../fakes/image-formats";

/** A source image for an edit: a placeholder of the format and size (opaque). */
export function sourceImage(format: FakeImageFormat, width: number, height: number, seed = "source"): Buffer {
  return renderPlaceholder(format, width, height, seed);
}

/** A mask: an RGBA PNG (colour type 6), transparent on its left half, where the edit goes. */
export function maskPng(width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 6 });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 4;
      png.data[offset + 3] = x < width / 2 ? 0 : 255;
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

/** An opaque RGB PNG (colour type 2): no alpha channel, so no mask. */
export function opaquePng(width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 2 });
  png.data.fill(200);
  return PNG.sync.write(png, { colorType: 2 });
}
