// What an edit's source image is, read from its first bytes only (no decoding): the type by its signature, its
// dimensions from the header the format defines, and for a PNG whether it can carry transparency (a mask needs it).
// Formats: PNG (IHDR, ISO/IEC 15948), JPEG (the first SOFn marker), WEBP (VP8, VP8L and VP8X chunks, RFC 9649).

export type SourceContentType = "image/png" | "image/jpeg" | "image/webp";

export interface ImageInfo {
  contentType: SourceContentType;
  width: number;
  height: number;
  /** PNG: an alpha channel (colour type 4 or 6) or a tRNS chunk; other formats: false (not needed). */
  hasAlpha: boolean;
}

/** The image's type and dimensions, or undefined when the bytes are not a PNG, JPEG or WEBP we can read. */
export function imageInfo(bytes: Buffer): ImageInfo | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) {
    return pngInfo(bytes);
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return jpegInfo(bytes);
  if (bytes.length >= 30 && bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP") {
    return webpInfo(bytes);
  }
  return undefined;
}

function sane(info: ImageInfo): ImageInfo | undefined {
  return info.width > 0 && info.height > 0 ? info : undefined;
}

function pngInfo(bytes: Buffer): ImageInfo | undefined {
  if (bytes.toString("latin1", 12, 16) !== "IHDR") return undefined;
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const colourType = bytes.length > 25 ? bytes[25]! : -1;
  return sane({
    contentType: "image/png",
    width,
    height,
    hasAlpha: colourType === 4 || colourType === 6 || hasTrns(bytes),
  });
}

/** Whether a tRNS chunk comes before the image data (where the format puts it). Walks chunk headers only. */
function hasTrns(bytes: Buffer): boolean {
  let offset = 8;
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.toString("latin1", offset + 4, offset + 8);
    if (type === "tRNS") return true;
    if (type === "IDAT" || type === "IEND") return false;
    offset += 12 + length;
  }
  return false;
}

/** The SOFn markers carry the frame's size; DHT (C4), JPG (C8) and DAC (CC) share the range and do not. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function jpegInfo(bytes: Buffer): ImageInfo | undefined {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined;
    const marker = bytes[offset + 1]!;
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image, or scan data before any frame
    const length = bytes.readUInt16BE(offset + 2);
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return undefined;
      return sane({
        contentType: "image/jpeg",
        height: bytes.readUInt16BE(offset + 5),
        width: bytes.readUInt16BE(offset + 7),
        hasAlpha: false,
      });
    }
    offset += 2 + length;
  }
  return undefined;
}

function webpInfo(bytes: Buffer): ImageInfo | undefined {
  const chunk = bytes.toString("latin1", 12, 16);
  if (chunk === "VP8X") {
    // 24-bit canvas width and height minus one, at 24 and 27.
    return sane({
      contentType: "image/webp",
      width: 1 + bytes.readUIntLE(24, 3),
      height: 1 + bytes.readUIntLE(27, 3),
      hasAlpha: (bytes[20]! & 0x10) !== 0,
    });
  }
  if (chunk === "VP8L") {
    if (bytes[20] !== 0x2f) return undefined;
    const bits = bytes.readUInt32LE(21);
    return sane({
      contentType: "image/webp",
      width: 1 + (bits & 0x3fff),
      height: 1 + ((bits >>> 14) & 0x3fff),
      hasAlpha: ((bits >>> 28) & 1) === 1,
    });
  }
  if (chunk === "VP8 ") {
    // A key frame's start code, then 14-bit width and height.
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined;
    return sane({
      contentType: "image/webp",
      width: bytes.readUInt16LE(26) & 0x3fff,
      height: bytes.readUInt16LE(28) & 0x3fff,
      hasAlpha: false,
    });
  }
  return undefined;
}
