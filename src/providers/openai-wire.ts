import type { ImageGenerateParamsNonStreaming } from "openai/resources/images";
import type { ImageModel, ImageQuality, ImageStyle, ModerationLevel } from "../domain/enums";
import { ProviderError, type ProviderImageRequest } from "./provider";

type OpenAIModelFamily = "dall-e" | "gpt-image";

interface OpenAIModelWire {
  id: string;
  family: OpenAIModelFamily;
}

/** Our models on OpenAI's wire. Adding an OpenAI model is one entry here (plus its catalog entry and prices). */
const OPENAI_MODELS: Partial<Record<ImageModel, OpenAIModelWire>> = {
  DALL_E_2: { id: "dall-e-2", family: "dall-e" },
  DALL_E_3: { id: "dall-e-3", family: "dall-e" },
  GPT_IMAGE_1: { id: "gpt-image-1", family: "gpt-image" },
  GPT_IMAGE_1_MINI: { id: "gpt-image-1-mini", family: "gpt-image" },
};

export function isOpenAIModel(model: ImageModel): boolean {
  return OPENAI_MODELS[model] !== undefined;
}

const DALL_E_3_QUALITY: Partial<Record<ImageQuality, "standard" | "hd">> = { STANDARD: "standard", HD: "hd" };
const GPT_IMAGE_QUALITY: Partial<Record<ImageQuality, "low" | "medium" | "high">> = {
  LOW: "low",
  MEDIUM: "medium",
  HIGH: "high",
};
const STYLE: Record<ImageStyle, "vivid" | "natural"> = { VIVID: "vivid", NATURAL: "natural" };
const MODERATION: Record<ModerationLevel, "auto" | "low"> = { AUTO: "auto", LOW: "low" };

/**
 * The body of POST /v1/images/generations for a request already validated against the model's rules.
 * Parameters a model does not take are left out rather than sent as null: OpenAI rejects some of them
 * (response_format on GPT image models) and strict OpenAI-compatible gateways reject unknown ones.
 */
export function toOpenAIGenerateParams(request: ProviderImageRequest): ImageGenerateParamsNonStreaming {
  const wire = OPENAI_MODELS[request.model];
  if (wire === undefined) throw new ProviderError("UPSTREAM", `Model ${request.model} is not an OpenAI model`);
  const params: ImageGenerateParamsNonStreaming = {
    model: wire.id,
    prompt: request.prompt,
    n: request.n,
    size: `${request.width}x${request.height}`,
    user: request.userTag,
  };
  if (wire.family === "dall-e") {
    // b64_json: one hop fewer than a URL, and nothing that expires before we store it.
    params.response_format = "b64_json";
    if (wire.id === "dall-e-3") {
      params.quality = requireMapped(DALL_E_3_QUALITY, request.quality, request.model);
      if (request.style !== undefined) params.style = STYLE[request.style];
    }
    // dall-e-2 has one quality; sending none keeps us clear of gateways that reject the parameter.
  } else {
    params.quality = requireMapped(GPT_IMAGE_QUALITY, request.quality, request.model);
    if (request.moderation !== undefined) params.moderation = MODERATION[request.moderation];
  }
  return params;
}

function requireMapped<V>(table: Partial<Record<ImageQuality, V>>, quality: ImageQuality, model: ImageModel): V {
  const value = table[quality];
  if (value === undefined) throw new ProviderError("UPSTREAM", `Quality ${quality} is not valid for ${model}`);
  return value;
}
