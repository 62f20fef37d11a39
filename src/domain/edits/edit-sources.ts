import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import type { ImageStorage } from "../../storage/image-storage";
import type { Db } from "../db";
import { badInput, DomainError } from "../errors";
import { isUuid } from "../ids";
import { imageInfo, type ImageInfo } from "./image-info";

// An edit's source images, read into memory under caps (per image, and in total for the request) and identified
// (type, dimensions, sha256) before anything is held: uploads from the client, or images imagegate stores from the
// caller's own successful generations.

/** Where one source comes from, as the caller gave it. */
export type EditSourceInput =
  | {
      kind: "upload";
      /** The upload's bytes as they arrive; read once. */
      open(): Promise<Readable>;
    }
  | { kind: "stored"; generationId: string; index: number };

export type SourceRole = "IMAGE" | "MASK";

/** A source image in memory, with what the flow records of it. */
export interface SourceImage extends ImageInfo {
  role: SourceRole;
  /** Its place among the images (0-15); 0 for the mask. */
  position: number;
  bytes: Buffer;
  sha256: string;
  /** For a stored image: the generation and index it came from. */
  generationId: string | null;
  index: number | null;
}

/** What may be read for one request: caps per role and a budget shared by all of the request's sources. */
export interface SourceLimits {
  maxImageBytes: number;
  maxMaskBytes: number;
  /** Shared by every source of the request; each read takes from it. */
  budget: { remainingBytes: number; readonly totalBytes: number };
}

export interface SourceContext {
  db: Db;
  storage: ImageStorage;
  userId: string;
}

/** Reads one source under its caps; throws BAD_USER_INPUT naming `field` for anything the rules refuse. */
export async function loadSource(
  context: SourceContext,
  input: EditSourceInput,
  placement: { role: SourceRole; position: number; field: string },
  limits: SourceLimits,
): Promise<SourceImage> {
  const maxBytes = placement.role === "MASK" ? limits.maxMaskBytes : limits.maxImageBytes;
  const { bytes, generationId, index } =
    input.kind === "upload"
      ? { bytes: await readUpload(input, maxBytes, limits, placement.field), generationId: null, index: null }
      : {
          bytes: await readStored(context, input, maxBytes, limits, placement.field),
          generationId: input.generationId,
          index: input.index,
        };
  const info = imageInfo(bytes);
  if (info === undefined) throw badInput(placement.field, "an image must be a PNG, JPEG or WEBP file");
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { ...info, ...placement, bytes, sha256, generationId, index };
}

async function readUpload(
  input: Extract<EditSourceInput, { kind: "upload" }>,
  maxBytes: number,
  limits: SourceLimits,
  field: string,
): Promise<Buffer> {
  let stream: Readable;
  try {
    stream = await input.open();
  } catch (error) {
    // The transport's own refusals (a file past its cap, a request cut short) carry an HTTP status.
    if (typeof (error as { status?: unknown }).status === "number")
      throw badInput(field, "the upload could not be read");
    throw error;
  }
  return readCapped(stream, maxBytes, limits, field, "upload");
}

/**
 * Reads a stream into memory, refusing it as soon as it passes its cap or the request's budget. A failure of the
 * stream itself is the client's for an upload (cut short, past the transport's cap): BAD_USER_INPUT; for a stored
 * image it is ours, and is thrown as it is.
 */
export async function readCapped(
  stream: Readable,
  maxBytes: number,
  limits: SourceLimits,
  field: string,
  origin: "upload" | "stored",
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      const piece = chunk as Buffer;
      length += piece.length;
      limits.budget.remainingBytes -= piece.length;
      if (length > maxBytes) throw badInput(field, `an image may be at most ${maxBytes} bytes`);
      if (limits.budget.remainingBytes < 0) {
        throw badInput(field, `the images of one request may total at most ${limits.budget.totalBytes} bytes`);
      }
      chunks.push(piece);
    }
  } catch (error) {
    stream.destroy();
    if (error instanceof DomainError || origin === "stored") throw error;
    throw badInput(field, "the upload could not be read");
  }
  if (length === 0) throw badInput(field, "the image is empty");
  return Buffer.concat(chunks, length);
}

async function readStored(
  context: SourceContext,
  input: Extract<EditSourceInput, { kind: "stored" }>,
  maxBytes: number,
  limits: SourceLimits,
  field: string,
): Promise<Buffer> {
  const missing = () =>
    badInput(`${field}.generationId`, "no image of a successful generation of yours has that id and index");
  if (!isUuid(input.generationId) || !Number.isInteger(input.index) || input.index < 0) throw missing();
  const image = await context.db.generatedImage.findFirst({
    where: {
      generationId: input.generationId,
      index: input.index,
      generation: { userId: context.userId, status: "SUCCEEDED" },
    },
    select: { storageKey: true },
  });
  if (image === null) throw missing();
  const stored = await context.storage.open(image.storageKey);
  if (stored === null) throw missing();
  if (stored.sizeBytes > maxBytes) throw badInput(field, `an image may be at most ${maxBytes} bytes`);
  return readCapped(stored.stream(), maxBytes, limits, field, "stored");
}
