import type { GeneratedImage, ImageGeneration } from "../../generated/prisma/client";

/** An image as stored; `bytes` when they are still in memory (the response to the request that made it). */
export type ImageRecord = GeneratedImage & { bytes?: Buffer };

/** A generation as stored, with its images in index order. */
export type GenerationRecord = ImageGeneration & { images: ImageRecord[] };
