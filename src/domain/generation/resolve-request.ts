import { CATALOG, sizeDimensions, type CustomSizeRules, type ModelSpec } from "../catalog";
import {
  ImageBackground,
  ImageOutputFormat,
  ImageResponseFormat,
  ImageSize,
  type ImageModel,
  type ImageQuality,
  type ImageStyle,
  type ModerationLevel,
} from "../enums";
import { badInput } from "../errors";
import { normalizeTags } from "./generation-tags";

export interface GenerationRequestInput {
  prompt: string;
  model?: ImageModel | null;
  n?: number | null;
  size?: ImageSize | null;
  width?: number | null;
  height?: number | null;
  quality?: ImageQuality | null;
  style?: ImageStyle | null;
  responseFormat?: ImageResponseFormat | null;
  moderation?: ModerationLevel | null;
  outputFormat?: ImageOutputFormat | null;
  outputCompression?: number | null;
  background?: ImageBackground | null;
  idempotencyKey?: string | null;
  tags?: readonly string[] | null;
  /** Partial images to stream while it runs (models that stream only). */
  partialImages?: number | null;
}

/** A request that satisfies its serving model's rules, with every default filled in. */
export interface GenerationRequest {
  spec: ModelSpec;
  prompt: string;
  /** The model that serves the request: the one it is checked, priced, held and charged as. */
  model: ImageModel;
  /** The model the caller asked for (differs from `model` when an admin routes it). */
  requestedModel: ImageModel;
  n: number;
  /** CUSTOM when the caller gave width and height. */
  size: ImageSize;
  width: number;
  height: number;
  quality: ImageQuality;
  style: ImageStyle | null;
  responseFormat: ImageResponseFormat;
  moderation: ModerationLevel | null;
  outputFormat: ImageOutputFormat | null;
  outputCompression: number | null;
  background: ImageBackground | null;
  idempotencyKey: string | null;
  /** Normalised, distinct, sorted (generation-tags.ts); empty when none. */
  tags: string[];
  /** 0: no streaming. */
  partialImages: number;
  /** An edit's source images: the most input image tokens they can cost, held at the image-input rate. */
  imageInputTokens?: number;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

const field = (name: string) => `input.${name}`;

/**
 * Checks a request against the rules of the model that serves it, before anything is held; throws BAD_USER_INPUT
 * naming the field. `requestedModel` is what the caller asked for, recorded beside it.
 */
export function resolveRequest(
  input: GenerationRequestInput,
  servedModel: ImageModel,
  requestedModel: ImageModel = servedModel,
): GenerationRequest {
  const spec = CATALOG[servedModel];
  checkPrompt(spec, input.prompt);
  const n = input.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > spec.maxN) {
    throw badInput(field("n"), `n must be between 1 and ${spec.maxN} for ${spec.model}`);
  }
  const quality = input.quality ?? spec.qualities[0]!;
  if (!spec.qualities.includes(quality)) {
    throw badInput(field("quality"), `${spec.model} supports qualities ${spec.qualities.join(", ")}`);
  }
  const moderation = input.moderation ?? null;
  if (moderation !== null && !spec.supportsModeration) {
    throw badInput(field("moderation"), `${spec.model} does not take a moderation level`);
  }
  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw badInput(field("idempotencyKey"), `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  return {
    spec,
    prompt: input.prompt,
    model: servedModel,
    requestedModel,
    n,
    ...resolveSize(spec, input),
    quality,
    style: resolveStyle(spec, input.style ?? null),
    responseFormat: input.responseFormat ?? ImageResponseFormat.URL,
    moderation,
    ...resolveOutput(spec, input),
    idempotencyKey,
    tags: normalizeTags(field("tags"), input.tags),
    partialImages: resolvePartialImages(spec, input.partialImages ?? 0, n),
  };
}

/** Streaming answers carry no image index: partial images are taken for one image at a time. */
function resolvePartialImages(spec: ModelSpec, partialImages: number, n: number): number {
  if (partialImages === 0) return 0;
  if (spec.maxPartialImages === 0)
    throw badInput(field("partialImages"), `${spec.model} does not stream partial images`);
  if (!Number.isInteger(partialImages) || partialImages < 0 || partialImages > spec.maxPartialImages) {
    throw badInput(field("partialImages"), `partialImages must be between 0 and ${spec.maxPartialImages}`);
  }
  if (n !== 1) throw badInput(field("partialImages"), "partialImages needs n = 1");
  return partialImages;
}

function checkPrompt(spec: ModelSpec, prompt: string): void {
  if (prompt.trim().length === 0) throw badInput(field("prompt"), "prompt must not be empty");
  // Providers count characters (code points), not UTF-16 units.
  if ([...prompt].length > spec.maxPromptLength) {
    throw badInput(field("prompt"), `prompt is longer than ${spec.maxPromptLength} characters for ${spec.model}`);
  }
}

type ResolvedSize = Pick<GenerationRequest, "size" | "width" | "height">;

function resolveSize(spec: ModelSpec, input: GenerationRequestInput): ResolvedSize {
  const width = input.width ?? null;
  const height = input.height ?? null;
  if (width === null && height === null) {
    const size = input.size ?? ImageSize.SIZE_1024X1024;
    if (size === ImageSize.CUSTOM) throw badInput(field("size"), "size CUSTOM needs width and height");
    if (!spec.sizes.includes(size)) {
      throw badInput(field("size"), `${spec.model} supports sizes ${spec.sizes.join(", ")}`);
    }
    return { size, ...sizeDimensions(size) };
  }
  if (spec.customSizes === null) {
    throw badInput(field(width === null ? "height" : "width"), `${spec.model} takes no width and height; use size`);
  }
  if (width === null || height === null) {
    throw badInput(field(width === null ? "width" : "height"), "width and height go together");
  }
  if (input.size !== undefined && input.size !== null && input.size !== ImageSize.CUSTOM) {
    throw badInput(field("size"), "give either size or width and height (size CUSTOM may go with them)");
  }
  checkCustomSize(spec.customSizes, width, height);
  return { size: ImageSize.CUSTOM, width, height };
}

/** The provider's limits on flexible sizes, each refused with the field that breaks it. */
function checkCustomSize(rules: CustomSizeRules, width: number, height: number): void {
  for (const [name, side] of [
    ["width", width],
    ["height", height],
  ] as const) {
    if (!Number.isInteger(side) || side < rules.multipleOf || side % rules.multipleOf !== 0) {
      throw badInput(field(name), `${name} must be a positive multiple of ${rules.multipleOf}`);
    }
    if (side > rules.maxLongSide) throw badInput(field(name), `${name} must be at most ${rules.maxLongSide}`);
  }
  const longSide = width >= height ? "width" : "height";
  if (Math.max(width, height) > rules.maxRatio * Math.min(width, height)) {
    throw badInput(field(longSide), `the ratio of width to height must be at most ${rules.maxRatio}:1`);
  }
  if (width * height > rules.maxPixels) {
    throw badInput(field(longSide), `width x height must be at most ${rules.maxPixels.toLocaleString("en-US")} pixels`);
  }
}

function resolveStyle(spec: ModelSpec, style: ImageStyle | null): ImageStyle | null {
  if (spec.styles.length === 0) {
    if (style !== null) throw badInput(field("style"), `${spec.model} does not take a style`);
    return null;
  }
  if (style === null) return spec.styles[0]!;
  if (!spec.styles.includes(style)) {
    throw badInput(field("style"), `${spec.model} supports styles ${spec.styles.join(", ")}`);
  }
  return style;
}

type ResolvedOutput = Pick<GenerationRequest, "outputFormat" | "outputCompression" | "background">;

/** output_format, output_compression and background, with the provider's rules between them. */
function resolveOutput(spec: ModelSpec, input: GenerationRequestInput): ResolvedOutput {
  const outputFormat = input.outputFormat ?? null;
  if (outputFormat !== null && !spec.outputFormats.includes(outputFormat)) {
    throw badInput(field("outputFormat"), `${spec.model} takes no output format`);
  }
  const outputCompression = input.outputCompression ?? null;
  if (outputCompression !== null) {
    if (outputFormat !== ImageOutputFormat.JPEG && outputFormat !== ImageOutputFormat.WEBP) {
      throw badInput(field("outputCompression"), "outputCompression needs outputFormat JPEG or WEBP");
    }
    if (!Number.isInteger(outputCompression) || outputCompression < 0 || outputCompression > 100) {
      throw badInput(field("outputCompression"), "outputCompression must be between 0 and 100");
    }
  }
  const background = input.background ?? null;
  if (background !== null && !spec.supportsBackground) {
    throw badInput(field("background"), `${spec.model} takes no background`);
  }
  if (background === ImageBackground.TRANSPARENT && outputFormat === ImageOutputFormat.JPEG) {
    throw badInput(field("background"), "a TRANSPARENT background needs outputFormat PNG or WEBP");
  }
  return { outputFormat, outputCompression, background };
}
