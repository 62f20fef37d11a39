import { toFile } from "openai";
import type { ImageEditParamsNonStreaming, ImageGenerateParamsNonStreaming } from "openai/resources/images";
import { CATALOG, type ModelSpec } from "../domain/catalog";
import type {
  ImageBackground,
  ImageModel,
  ImageOutputFormat,
  ImageQuality,
  ImageStyle,
  InputFidelity,
  ModerationLevel,
} from "../domain/enums";
import {
  ProviderError,
  type ProviderEditRequest,
  type ProviderImageRequest,
  type ProviderSourceImage,
} from "../domain/generation/image-provider";

/**
 * How a model speaks OpenAI's images API, from its catalog entry: DALL-E models are billed per image and take
 * response_format (and DALL-E 3 a style); GPT image models are billed by tokens, always answer base64 and take
 * moderation (and, from gpt-image-2 on, output format and background).
 */
function isGptImage(spec: ModelSpec): boolean {
  return spec.billing === "TOKENS";
}

const DALL_E_3_QUALITY: Partial<Record<ImageQuality, "standard" | "hd">> = { STANDARD: "standard", HD: "hd" };
const GPT_IMAGE_QUALITY: Partial<Record<ImageQuality, "low" | "medium" | "high">> = {
  LOW: "low",
  MEDIUM: "medium",
  HIGH: "high",
};
const STYLE: Record<ImageStyle, "vivid" | "natural"> = { VIVID: "vivid", NATURAL: "natural" };
const MODERATION: Record<ModerationLevel, "auto" | "low"> = { AUTO: "auto", LOW: "low" };
const OUTPUT_FORMAT: Record<ImageOutputFormat, "png" | "jpeg" | "webp"> = { PNG: "png", JPEG: "jpeg", WEBP: "webp" };
const BACKGROUND: Record<ImageBackground, "auto" | "opaque" | "transparent"> = {
  AUTO: "auto",
  OPAQUE: "opaque",
  TRANSPARENT: "transparent",
};

/**
 * The body of POST /v1/images/generations for a request already validated against the model's rules.
 * Parameters a model does not take are left out rather than sent as null: OpenAI rejects some of them
 * (response_format on GPT image models) and strict OpenAI-compatible gateways reject unknown ones.
 */
export function toOpenAIGenerateParams(request: ProviderImageRequest): ImageGenerateParamsNonStreaming {
  const spec = CATALOG[request.model];
  if (spec.provider !== "openai") throw new ProviderError("UPSTREAM", `Model ${request.model} is not an OpenAI model`);
  const params: ImageGenerateParamsNonStreaming = {
    model: spec.upstreamId,
    prompt: request.prompt,
    n: request.n,
    size: `${request.width}x${request.height}` as ImageGenerateParamsNonStreaming["size"],
    user: request.userTag,
  };
  if (isGptImage(spec)) {
    params.quality = requireMapped(GPT_IMAGE_QUALITY, request.quality, request.model);
    if (request.moderation !== undefined) params.moderation = MODERATION[request.moderation];
    if (request.outputFormat !== undefined) params.output_format = OUTPUT_FORMAT[request.outputFormat];
    if (request.outputCompression !== undefined) params.output_compression = request.outputCompression;
    if (request.background !== undefined) params.background = BACKGROUND[request.background];
    return params;
  }
  // b64_json: one hop fewer than a URL, and nothing that expires before we store it.
  params.response_format = "b64_json";
  // dall-e-2 has one quality; sending none keeps us clear of gateways that reject the parameter.
  if (spec.qualities.length > 1) params.quality = requireMapped(DALL_E_3_QUALITY, request.quality, request.model);
  if (request.style !== undefined) params.style = STYLE[request.style];
  return params;
}

const INPUT_FIDELITY: Record<InputFidelity, "low" | "high"> = { LOW: "low", HIGH: "high" };

/**
 * The multipart body of POST /v1/images/edits (the SDK encodes it): the generation's parameters as for generations,
 * every source image as an `image[]` part (OpenAI's form for several), the mask and input_fidelity when given.
 * Only GPT image models take edits here (the catalog says which).
 */
export async function toOpenAIEditParams(request: ProviderEditRequest): Promise<ImageEditParamsNonStreaming> {
  const spec = CATALOG[request.model];
  if (spec.edits === null) throw new ProviderError("UPSTREAM", `Model ${request.model} takes no edits`);
  const { model, prompt, n, size, user, quality, output_format, output_compression, background } =
    toOpenAIGenerateParams(request);
  const params: ImageEditParamsNonStreaming = {
    image: await Promise.all(request.images.map(toUpload)),
    prompt,
    model,
    n,
    size,
    user,
  };
  if (quality !== undefined) params.quality = quality as ImageEditParamsNonStreaming["quality"];
  if (output_format !== undefined) params.output_format = output_format;
  if (output_compression !== undefined) params.output_compression = output_compression;
  if (background !== undefined) params.background = background;
  if (request.mask !== undefined) params.mask = await toUpload(request.mask);
  if (request.inputFidelity !== undefined) params.input_fidelity = INPUT_FIDELITY[request.inputFidelity];
  return params;
}

function toUpload(image: ProviderSourceImage) {
  return toFile(image.bytes, image.fileName, { type: image.contentType });
}

function requireMapped<V>(table: Partial<Record<ImageQuality, V>>, quality: ImageQuality, model: ImageModel): V {
  const value = table[quality];
  if (value === undefined) throw new ProviderError("UPSTREAM", `Quality ${quality} is not valid for ${model}`);
  return value;
}
