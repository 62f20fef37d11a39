import { badInput } from "./errors";
import {
  ImageModel,
  ImageQuality,
  ImageResponseFormat,
  ImageSize,
  ImageStyle,
  ModerationLevel,
  type ProviderName,
} from "./enums";

// The models imagegate serves and what each provider accepts. Adding a model is one entry here, an enum value
// and its prices (a migration that seeds them).

export type Billing = "PER_IMAGE" | "TOKENS";

export interface ModelSpec {
  model: ImageModel;
  provider: Exclude<ProviderName, "local">;
  sizes: readonly ImageSize[];
  /** Default first. */
  qualities: readonly ImageQuality[];
  /** Default first; empty when the model takes no style. */
  styles: readonly ImageStyle[];
  maxN: number;
  maxPromptLength: number;
  supportsModeration: boolean;
  billing: Billing;
}

const GPT_IMAGE_RULES = {
  provider: "openai",
  sizes: [ImageSize.SIZE_1024X1024, ImageSize.SIZE_1536X1024, ImageSize.SIZE_1024X1536],
  qualities: [ImageQuality.LOW, ImageQuality.MEDIUM, ImageQuality.HIGH],
  styles: [],
  maxN: 10,
  maxPromptLength: 32_000,
  supportsModeration: true,
  billing: "TOKENS",
} as const;

export const CATALOG: Readonly<Record<ImageModel, ModelSpec>> = {
  DALL_E_2: {
    model: ImageModel.DALL_E_2,
    provider: "openai",
    sizes: [ImageSize.SIZE_256X256, ImageSize.SIZE_512X512, ImageSize.SIZE_1024X1024],
    qualities: [ImageQuality.STANDARD],
    styles: [],
    maxN: 10,
    maxPromptLength: 1_000,
    supportsModeration: false,
    billing: "PER_IMAGE",
  },
  DALL_E_3: {
    model: ImageModel.DALL_E_3,
    provider: "openai",
    sizes: [ImageSize.SIZE_1024X1024, ImageSize.SIZE_1792X1024, ImageSize.SIZE_1024X1792],
    qualities: [ImageQuality.STANDARD, ImageQuality.HD],
    styles: [ImageStyle.VIVID, ImageStyle.NATURAL],
    maxN: 1,
    maxPromptLength: 4_000,
    supportsModeration: false,
    billing: "PER_IMAGE",
  },
  GPT_IMAGE_1: { model: ImageModel.GPT_IMAGE_1, ...GPT_IMAGE_RULES },
  GPT_IMAGE_1_MINI: { model: ImageModel.GPT_IMAGE_1_MINI, ...GPT_IMAGE_RULES },
  STABLE_DIFFUSION_XL: {
    model: ImageModel.STABLE_DIFFUSION_XL,
    provider: "stability",
    sizes: [ImageSize.SIZE_1024X1024],
    qualities: [ImageQuality.STANDARD],
    styles: [],
    maxN: 10,
    maxPromptLength: 2_000,
    supportsModeration: false,
    billing: "PER_IMAGE",
  },
};

export function sizeDimensions(size: ImageSize): { width: number; height: number } {
  const match = /^SIZE_(\d+)X(\d+)$/.exec(size);
  if (match === null) throw new Error(`unknown size ${size}`);
  return { width: Number(match[1]), height: Number(match[2]) };
}

export interface GenerationRequestInput {
  prompt: string;
  model?: ImageModel | null;
  n?: number | null;
  size?: ImageSize | null;
  quality?: ImageQuality | null;
  style?: ImageStyle | null;
  responseFormat?: ImageResponseFormat | null;
  moderation?: ModerationLevel | null;
  idempotencyKey?: string | null;
}

/** A request that satisfies its model's rules, with every default filled in. */
export interface GenerationRequest {
  spec: ModelSpec;
  prompt: string;
  model: ImageModel;
  n: number;
  size: ImageSize;
  quality: ImageQuality;
  style: ImageStyle | null;
  responseFormat: ImageResponseFormat;
  moderation: ModerationLevel | null;
  idempotencyKey: string | null;
}

export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Checks a request against its model's rules before anything is held; throws BAD_USER_INPUT naming the field. */
export function resolveRequest(input: GenerationRequestInput, defaultModel: ImageModel): GenerationRequest {
  const model = input.model ?? defaultModel;
  const spec = CATALOG[model];
  const field = (name: string) => `input.${name}`;

  const prompt = input.prompt;
  if (prompt.trim().length === 0) throw badInput(field("prompt"), "prompt must not be empty");
  // Providers count characters (code points), not UTF-16 units.
  if ([...prompt].length > spec.maxPromptLength) {
    throw badInput(field("prompt"), `prompt is longer than ${spec.maxPromptLength} characters for ${model}`);
  }

  const n = input.n ?? 1;
  if (!Number.isInteger(n) || n < 1 || n > spec.maxN) {
    throw badInput(field("n"), `n must be between 1 and ${spec.maxN} for ${model}`);
  }

  const size = input.size ?? ImageSize.SIZE_1024X1024;
  if (!spec.sizes.includes(size)) {
    throw badInput(field("size"), `${model} supports sizes ${spec.sizes.join(", ")}`);
  }

  const quality = input.quality ?? spec.qualities[0]!;
  if (!spec.qualities.includes(quality)) {
    throw badInput(field("quality"), `${model} supports qualities ${spec.qualities.join(", ")}`);
  }

  const style = resolveStyle(spec, input.style ?? null, field("style"));

  const moderation = input.moderation ?? null;
  if (moderation !== null && !spec.supportsModeration) {
    throw badInput(field("moderation"), `${model} does not take a moderation level`);
  }

  const idempotencyKey = input.idempotencyKey ?? null;
  if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw badInput(field("idempotencyKey"), `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }

  return {
    spec,
    prompt,
    model,
    n,
    size,
    quality,
    style,
    responseFormat: input.responseFormat ?? ImageResponseFormat.URL,
    moderation,
    idempotencyKey,
  };
}

function resolveStyle(spec: ModelSpec, style: ImageStyle | null, fieldName: string): ImageStyle | null {
  if (spec.styles.length === 0) {
    if (style !== null) throw badInput(fieldName, `${spec.model} does not take a style`);
    return null;
  }
  if (style === null) return spec.styles[0]!;
  if (!spec.styles.includes(style))
    throw badInput(fieldName, `${spec.model} supports styles ${spec.styles.join(", ")}`);
  return style;
}
