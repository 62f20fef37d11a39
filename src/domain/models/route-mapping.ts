import { CATALOG, sizeDimensions, type ModelSpec } from "../catalog";
import { ImageQuality, ImageSize, type ImageModel } from "../enums";
import type { GenerationRequestInput } from "../generation/resolve-request";

// A request for one model, sent by a route to another: its size and quality become the nearest the target accepts,
// and a style (a DALL-E 3 look) is dropped where the target takes none. Everything else is checked as the target.

/** How much a quality asks for, across models' vocabularies: STANDARD is the middle, HD the top. */
const QUALITY_LEVEL: Record<ImageQuality, number> = { LOW: 0, STANDARD: 1, MEDIUM: 1, HD: 2, HIGH: 2 };

export function mapToServingModel(input: GenerationRequestInput, servedBy: ImageModel): GenerationRequestInput {
  const target = CATALOG[servedBy];
  return {
    ...input,
    ...nearestSize(input, target),
    quality: input.quality === undefined || input.quality === null ? null : nearestQuality(input.quality, target),
    style: target.styles.length === 0 ? null : input.style,
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
 * The same size if the target has it; width and height kept where the target takes flexible sizes (its own rules
 * then check them); otherwise the target's enum size nearest in shape (aspect ratio), then in area.
 */
function nearestSize(input: GenerationRequestInput, target: ModelSpec): SizeFields {
  const custom =
    input.width !== undefined && input.width !== null && input.height !== undefined && input.height !== null;
  if (custom && target.customSizes !== null) return { size: input.size, width: input.width, height: input.height };
  const wanted = custom
    ? { width: input.width!, height: input.height! }
    : sizeDimensions(
        input.size === undefined || input.size === null || input.size === ImageSize.CUSTOM
          ? ImageSize.SIZE_1024X1024
          : input.size,
      );
  const exact = target.sizes.find((size) => sameSize(size, wanted));
  if (exact !== undefined) return { size: exact, width: null, height: null };
  return { size: nearestEnumSize(wanted, target), width: null, height: null };
}

function sameSize(size: ImageSize, wanted: { width: number; height: number }): boolean {
  if (size === ImageSize.CUSTOM) return false;
  const { width, height } = sizeDimensions(size);
  return width === wanted.width && height === wanted.height;
}

function nearestEnumSize(wanted: { width: number; height: number }, target: ModelSpec): ImageSize {
  const distance = (size: ImageSize) => {
    const { width, height } = sizeDimensions(size as Exclude<ImageSize, "CUSTOM">);
    const shape = Math.abs(Math.log(width / height / (wanted.width / wanted.height)));
    const area = Math.abs(Math.log((width * height) / (wanted.width * wanted.height)));
    return { shape, area };
  };
  return [...target.sizes].sort((a, b) => {
    const [da, db] = [distance(a), distance(b)];
    return da.shape - db.shape || da.area - db.area;
  })[0]!;
}
