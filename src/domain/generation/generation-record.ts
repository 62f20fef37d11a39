import type { GeneratedImage, ImageGeneration } from "../../generated/prisma/client";

/** A generation as stored, with its images in index order. */
export type GenerationRecord = ImageGeneration & { images: GeneratedImage[] };
export type ImageRecord = GeneratedImage;
