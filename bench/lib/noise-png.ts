import { PNG } from "pngjs";

// A PNG as large as a real photo-like image of its size: seeded random noise, which no encoder or transport can
// shrink. gpt-image-2's PNGs at 1536x1024 weigh 2 to 4 MB; 6 random bits per RGB channel give 3.5 MB here (8 bits
// would give 4.7 MB, larger than any real one). The same seed gives the same bytes.

/** mulberry32: a small, fast, seeded generator (not for anything but test data). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export function noisePng(width: number, height: number, seed = 1, bitsPerChannel = 6): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputHasAlpha: true });
  const next = seededRandom(seed);
  const shift = 32 - bitsPerChannel;
  for (let i = 0; i < png.data.length; i += 4) {
    const word = next();
    png.data[i] = ((word >>> shift) << (8 - bitsPerChannel)) & 0xff;
    png.data[i + 1] = (((word << bitsPerChannel) >>> shift) << (8 - bitsPerChannel)) & 0xff;
    png.data[i + 2] = (((next() >>> shift) << (8 - bitsPerChannel)) & 0xff) | 0;
    png.data[i + 3] = 0xff;
  }
  // Filter 0 (none): the filters only help images with structure; the encoder's search would cost seconds for nothing.
  return PNG.sync.write(png, { colorType: 2, inputHasAlpha: true, filterType: 0, deflateLevel: 6 });
}
