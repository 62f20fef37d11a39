import { CATALOG, type ModelSpec } from "../catalog";
import { ImageQuality, type ImageModel } from "../enums";
import type { GenerationRequest, GenerationRequestInput } from "../generation/resolve-request";

// A request for one model, sent by a route to another. It has already been checked as the model the caller named
// (with that model's defaults filled in); here its size and quality become the nearest the target accepts, and what
// the target does not take (a DALL-E 3 style, moderation, output options) is dropped. The target's rules then check
// the result.

/** How much a quality asks for, across models' vocabularies: STANDARD is the middle, HD the top. */
const QUALITY_LEVEL: Record<ImageQuality, number> = { LOW: 0, STANDARD: 1, MEDIUM: 1, HD: 2, HIGH: 2 };

export function mapToServingModel(request: GenerationRequest, servedBy: ImageModel): GenerationRequestInput {
  const target = CATALOG[servedBy];
  return {
    prompt: request.prompt,
    n: request.n,
    ...nearestSize(request, target),
    quality: nearestQuality(request.quality, target),
    style: target.styles.length === 0 ? null : request.style,
    moderation: target.supportsModeration ? request.moderation : null,
    outputFormat:
      request.outputFormat !== null && target.outputFormats.includes(request.outputFormat)
        ? request.outputFormat
        : null,
    outputCompression: target.outputFormats.length === 0 ? null : request.outputCompression,
    background: target.supportsBackground ? request.background : null,
    responseFormat: request.responseFormat,
    idempotencyKey: request.idempotencyKey,
    // Partial images are a preview: a route to a model that does not stream drops them rather than refusing.
    partialImages: Math.min(request.partialImages, target.maxPartialImages),
  };
}

/** The same quality level if the target has it, else the nearest level; a tie goes to the cheaper one. */
export function nearestQuality(quality: ImageQuality, target: ModelSpec): ImageQuality {
  const level = QUALITY_LEVEL[quality];
  const byDistance = [...target.qualities].sort(
    (a, b) =>
      Math.abs(QUALITY_LEVEL[a] - level) - Math.abs(QUALITY_LEVEL[b] - level) || QUALITY_LEVEL[a] - QUALITY_LEVEL[b],
  );
  return byDistance[0]!;
}

type SizeFields = Pick<GenerationRequestInput, "size" | "width" | "height">;

/**
 * The same size if the target has it; a caller's width and height kept where the target takes flexible sizes (its own
 * rules then check them); otherwise the target's enum size nearest in shape (aspect ratio), then in area.
 */
function nearestSize(request: GenerationRequest, target: ModelSpec): SizeFields {
  const { width, height } = request;
  const same = target.sizes.find((size) => size === request.size && size !== "CUSTOM");
  if (same !== undefined) return { size: same };
  if (request.size === "CUSTOM" && target.customSizes !== null) return { width, height };
  const distance = (size: string) => {
    const [w, h] = size.slice("SIZE_".length).split("X").map(Number) as [number, number];
    return {
      shape: Math.abs(Math.log(w / h / (width / height))),
      area: Math.abs(Math.log((w * h) / (width * height))),
    };
  };
  const nearest = [...target.sizes].sort((a, b) => {
    const [da, db] = [distance(a), distance(b)];
    return da.shape - db.shape || da.area - db.area;
  })[0]!;
  return { size: nearest };
}
