import { ImageModel, ImageOutputFormat, ImageQuality, ImageSize, ImageStyle, type ProviderName } from "./enums";

// The models imagegate serves: what each provider accepts, its upstream id, and its lifecycle as published.
// Adding a model is its enum value, one entry here, and its prices (a migration that seeds them); everything else
// (the provider's wire names, the GraphQL deprecations, the fakes' rules) is derived from this table.
//
// Sources, checked 2026-12-03:
// - Models, parameters, sizes: OpenAI's Create image reference, developers.openai.com/api/reference/resources/images
//   (and the openai SDK's generated types): quality low/medium/high, n 1-10, prompts up to 32,000 characters,
//   moderation auto/low, background (transparent needs png or webp), output_format, output_compression 0-100,
//   sizes whose sides are multiples of 16, ratio at most 3:1, at most 3840x2160.
// - Shutdowns and replacements: developers.openai.com/api/docs/deprecations, and the models' pages
//   (developers.openai.com/api/docs/models/dall-e-3: "We recommend GPT-Image-2.5 Sunburst").

export type Billing = "PER_IMAGE" | "TOKENS";

/** Flexible sizes (`width` x `height`) a model accepts besides its enum sizes. */
export interface CustomSizeRules {
  multipleOf: number;
  maxLongSide: number;
  maxRatio: number;
  maxPixels: number;
}

/**
 * What a model accepts on the provider's edits endpoint (OpenAI's /v1/images/edits), as the openai SDK's
 * ImageEditParams documents it: for GPT image models each image a png, webp or jpg under 50MB, up to 16 of them, and a
 * mask that is a PNG under 4MB with the first image's dimensions. `inputFidelity`: whether `input_fidelity` is taken
 * (gpt-image-1 and later, not gpt-image-1-mini). `alwaysHighFidelity`: the model keeps input images at high fidelity
 * whatever is asked (gpt-image-2 and its successors), so its input images are held at the high-fidelity count.
 */
export interface EditRules {
  maxImages: number;
  maxImageBytes: number;
  maxMaskBytes: number;
  inputFidelity: boolean;
  alwaysHighFidelity: boolean;
}

/** What the provider has published about a model's life. Dates are UTC days, YYYY-MM-DD. */
export interface PublishedLifecycle {
  /** The day the provider stops serving it, once announced. */
  shutdownDate: string | null;
  /** What the provider recommends instead. */
  replacement: ImageModel | null;
}

export interface ModelSpec {
  model: ImageModel;
  provider: Exclude<ProviderName, "local">;
  /** The model's id on its provider's API. */
  upstreamId: string;
  sizes: readonly ImageSize[];
  /** null: only the enum sizes. */
  customSizes: CustomSizeRules | null;
  /** Default first. */
  qualities: readonly ImageQuality[];
  /** Default first; empty when the model takes no style. */
  styles: readonly ImageStyle[];
  /** Default first; empty when the model returns one format (PNG) and takes no choice. */
  outputFormats: readonly ImageOutputFormat[];
  /** Whether `background` (AUTO, OPAQUE, TRANSPARENT) is accepted. */
  supportsBackground: boolean;
  maxN: number;
  maxPromptLength: number;
  supportsModeration: boolean;
  /** The most partial images a streaming call may ask for (OpenAI's `partial_images`); 0: the model does not stream. */
  maxPartialImages: number;
  billing: Billing;
  /** null: the model takes no edits (imagegate sends edits only to the GPT image family). */
  edits: EditRules | null;
  lifecycle: PublishedLifecycle;
}

const ACTIVE: PublishedLifecycle = { shutdownDate: null, replacement: null };

const GPT_IMAGE_EDITS: EditRules = {
  maxImages: 16,
  // "Less than": one byte under.
  maxImageBytes: 50 * 1000 * 1000 - 1,
  maxMaskBytes: 4 * 1000 * 1000 - 1,
  inputFidelity: true,
  alwaysHighFidelity: false,
};

const GPT_IMAGE_1_RULES = {
  provider: "openai",
  sizes: [ImageSize.SIZE_1024X1024, ImageSize.SIZE_1536X1024, ImageSize.SIZE_1024X1536],
  customSizes: null,
  qualities: [ImageQuality.LOW, ImageQuality.MEDIUM, ImageQuality.HIGH],
  styles: [],
  outputFormats: [],
  supportsBackground: false,
  maxN: 10,
  maxPromptLength: 32_000,
  supportsModeration: true,
  maxPartialImages: 3,
  billing: "TOKENS",
  edits: GPT_IMAGE_EDITS,
} as const;

/** gpt-image-2 and its successors: the same parameters and limits. */
const GPT_IMAGE_2_RULES = {
  ...GPT_IMAGE_1_RULES,
  sizes: [
    ImageSize.SIZE_1024X1024,
    ImageSize.SIZE_1536X1024,
    ImageSize.SIZE_1024X1536,
    ImageSize.SIZE_2048X2048,
    ImageSize.SIZE_2048X1152,
    ImageSize.SIZE_1152X2048,
    ImageSize.SIZE_3840X2160,
    ImageSize.SIZE_2160X3840,
  ],
  customSizes: { multipleOf: 16, maxLongSide: 3840, maxRatio: 3, maxPixels: 8_294_400 },
  outputFormats: [ImageOutputFormat.PNG, ImageOutputFormat.JPEG, ImageOutputFormat.WEBP],
  supportsBackground: true,
  edits: { ...GPT_IMAGE_EDITS, alwaysHighFidelity: true },
  lifecycle: ACTIVE,
} as const;

const DALL_E_SHUTDOWN: PublishedLifecycle = {
  shutdownDate: "2026-05-12",
  replacement: ImageModel.GPT_IMAGE_2_5_SUNBURST,
};

export const CATALOG: Readonly<Record<ImageModel, ModelSpec>> = {
  DALL_E_2: {
    model: ImageModel.DALL_E_2,
    provider: "openai",
    upstreamId: "dall-e-2",
    sizes: [ImageSize.SIZE_256X256, ImageSize.SIZE_512X512, ImageSize.SIZE_1024X1024],
    customSizes: null,
    qualities: [ImageQuality.STANDARD],
    styles: [],
    outputFormats: [],
    supportsBackground: false,
    maxN: 10,
    maxPromptLength: 1_000,
    supportsModeration: false,
    maxPartialImages: 0,
    billing: "PER_IMAGE",
    edits: null,
    lifecycle: DALL_E_SHUTDOWN,
  },
  DALL_E_3: {
    model: ImageModel.DALL_E_3,
    provider: "openai",
    upstreamId: "dall-e-3",
    sizes: [ImageSize.SIZE_1024X1024, ImageSize.SIZE_1792X1024, ImageSize.SIZE_1024X1792],
    customSizes: null,
    qualities: [ImageQuality.STANDARD, ImageQuality.HD],
    styles: [ImageStyle.VIVID, ImageStyle.NATURAL],
    outputFormats: [],
    supportsBackground: false,
    maxN: 1,
    maxPromptLength: 4_000,
    supportsModeration: false,
    maxPartialImages: 0,
    billing: "PER_IMAGE",
    edits: null,
    lifecycle: DALL_E_SHUTDOWN,
  },
  GPT_IMAGE_1: {
    model: ImageModel.GPT_IMAGE_1,
    upstreamId: "gpt-image-1",
    ...GPT_IMAGE_1_RULES,
    lifecycle: { shutdownDate: "2026-10-23", replacement: ImageModel.GPT_IMAGE_2_5_SUNBURST },
  },
  GPT_IMAGE_1_MINI: {
    model: ImageModel.GPT_IMAGE_1_MINI,
    upstreamId: "gpt-image-1-mini",
    ...GPT_IMAGE_1_RULES,
    edits: { ...GPT_IMAGE_EDITS, inputFidelity: false },
    lifecycle: { shutdownDate: "2026-12-01", replacement: ImageModel.GPT_IMAGE_2_6_SUNBURST },
  },
  STABLE_DIFFUSION_XL: {
    model: ImageModel.STABLE_DIFFUSION_XL,
    provider: "stability",
    upstreamId: "stable-diffusion-xl-1024-v1-0",
    sizes: [ImageSize.SIZE_1024X1024],
    customSizes: null,
    qualities: [ImageQuality.STANDARD],
    styles: [],
    outputFormats: [],
    supportsBackground: false,
    maxN: 10,
    maxPromptLength: 2_000,
    supportsModeration: false,
    maxPartialImages: 0,
    billing: "PER_IMAGE",
    edits: null,
    lifecycle: ACTIVE,
  },
  GPT_IMAGE_2: { model: ImageModel.GPT_IMAGE_2, upstreamId: "gpt-image-2", ...GPT_IMAGE_2_RULES },
  GPT_IMAGE_2_5_FLARE: {
    model: ImageModel.GPT_IMAGE_2_5_FLARE,
    upstreamId: "gpt-image-2.5-flare",
    ...GPT_IMAGE_2_RULES,
  },
  GPT_IMAGE_2_5_SUNBURST: {
    model: ImageModel.GPT_IMAGE_2_5_SUNBURST,
    upstreamId: "gpt-image-2.5-sunburst",
    ...GPT_IMAGE_2_RULES,
  },
  GPT_IMAGE_2_6_FLARE: {
    model: ImageModel.GPT_IMAGE_2_6_FLARE,
    upstreamId: "gpt-image-2.6-flare",
    ...GPT_IMAGE_2_RULES,
  },
  GPT_IMAGE_2_6_SUNBURST: {
    model: ImageModel.GPT_IMAGE_2_6_SUNBURST,
    upstreamId: "gpt-image-2.6-sunburst",
    ...GPT_IMAGE_2_RULES,
  },
};

/** The size custom sizes are priced from: a custom size holds this size's price scaled by its pixel area. */
export const PRICING_REFERENCE_SIZE = ImageSize.SIZE_1024X1024;

export function sizeDimensions(size: Exclude<ImageSize, "CUSTOM">): { width: number; height: number } {
  const match = /^SIZE_(\d+)X(\d+)$/.exec(size);
  if (match === null) throw new Error(`unknown size ${size}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** The model a catalog entry's upstream id names, if any: how a provider's model list is read. */
export function modelOfUpstreamId(provider: ModelSpec["provider"], upstreamId: string): ImageModel | undefined {
  return Object.values(CATALOG).find((spec) => spec.provider === provider && spec.upstreamId === upstreamId)?.model;
}
