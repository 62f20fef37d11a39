// What OpenAI's POST /v1/images/generations accepts per model (the models imagegate uses), so that a wrong
// wire mapping fails in tests the way it would against the real API: HTTP 400, invalid_request_error.

export interface OpenAIWireError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

interface ModelRules {
  sizes: string[];
  qualities: string[];
  maxN: number;
  maxPromptChars: number;
  family: "dall-e" | "gpt-image";
}

const MODELS: Record<string, ModelRules> = {
  "dall-e-2": {
    sizes: ["256x256", "512x512", "1024x1024"],
    qualities: ["standard"],
    maxN: 10,
    maxPromptChars: 1000,
    family: "dall-e",
  },
  "dall-e-3": {
    sizes: ["1024x1024", "1792x1024", "1024x1792"],
    qualities: ["standard", "hd"],
    maxN: 1,
    maxPromptChars: 4000,
    family: "dall-e",
  },
  "gpt-image-1": {
    sizes: ["auto", "1024x1024", "1536x1024", "1024x1536"],
    qualities: ["auto", "low", "medium", "high"],
    maxN: 10,
    maxPromptChars: 32000,
    family: "gpt-image",
  },
  "gpt-image-1-mini": {
    sizes: ["auto", "1024x1024", "1536x1024", "1024x1536"],
    qualities: ["auto", "low", "medium", "high"],
    maxN: 10,
    maxPromptChars: 32000,
    family: "gpt-image",
  },
};

export function modelFamily(model: string): "dall-e" | "gpt-image" | undefined {
  return MODELS[model]?.family;
}

function invalid(param: string, message: string, code: string | null = "invalid_value"): OpenAIWireError {
  return { message, type: "invalid_request_error", param, code };
}

function unknownParameter(param: string): OpenAIWireError {
  return invalid(param, `Unknown parameter: '${param}'.`, "unknown_parameter");
}

/** The first rule the body breaks, as OpenAI would report it, or undefined when the body is acceptable. */
export function checkGenerateBody(body: Record<string, unknown>): OpenAIWireError | undefined {
  const model = typeof body.model === "string" ? body.model : "dall-e-2"; // OpenAI's historical default
  const rules = MODELS[model];
  if (rules === undefined)
    return invalid(
      "model",
      `Invalid value: '${String(body.model)}'. The model does not exist or you do not have access to it.`,
    );
  if (typeof body.prompt !== "string" || body.prompt === "")
    return invalid("prompt", "Missing required parameter: 'prompt'.", "missing_required_parameter");
  if (body.prompt.length > rules.maxPromptChars)
    return invalid(
      "prompt",
      `Invalid 'prompt': string too long. Expected a string with maximum length ${rules.maxPromptChars}.`,
      "string_above_max_length",
    );
  const n = body.n ?? 1;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > rules.maxN) {
    return invalid(
      "n",
      rules.maxN === 1
        ? "You must provide n=1 for this model."
        : `Invalid 'n': integer between 1 and ${rules.maxN} expected.`,
    );
  }
  if (body.size !== undefined && body.size !== null && !rules.sizes.includes(String(body.size))) {
    return invalid(
      "size",
      `Invalid value: '${String(body.size)}'. Supported values are: ${rules.sizes.map((s) => `'${s}'`).join(", ")}.`,
    );
  }
  if (body.quality !== undefined && body.quality !== null && !rules.qualities.includes(String(body.quality))) {
    return invalid(
      "quality",
      `Invalid value: '${String(body.quality)}'. Supported values are: ${rules.qualities.map((q) => `'${q}'`).join(", ")}.`,
    );
  }
  if (rules.family === "gpt-image") {
    if (body.response_format !== undefined) return unknownParameter("response_format");
    if (body.style !== undefined) return unknownParameter("style");
  } else {
    if (body.moderation !== undefined) return unknownParameter("moderation");
    if (
      body.response_format !== undefined &&
      body.response_format !== null &&
      !["url", "b64_json"].includes(String(body.response_format))
    ) {
      return invalid(
        "response_format",
        `Invalid value: '${String(body.response_format)}'. Supported values are: 'url' and 'b64_json'.`,
      );
    }
    if (
      body.style !== undefined &&
      body.style !== null &&
      (model !== "dall-e-3" || !["vivid", "natural"].includes(String(body.style)))
    ) {
      return model === "dall-e-3"
        ? invalid("style", `Invalid value: '${String(body.style)}'. Supported values are: 'vivid' and 'natural'.`)
        : unknownParameter("style");
    }
  }
  if (body.moderation !== undefined && body.moderation !== null && !["auto", "low"].includes(String(body.moderation))) {
    return invalid(
      "moderation",
      `Invalid value: '${String(body.moderation)}'. Supported values are: 'low' and 'auto'.`,
    );
  }
  if (body.stream === true) return invalid("stream", "Streaming is not supported by this fake.", null);
  return undefined;
}

/** Output tokens per image for GPT image models, from OpenAI's published table (gpt-image-1). */
const OUTPUT_TOKENS_PER_IMAGE: Record<string, Record<string, number>> = {
  low: { "1024x1024": 272, "1024x1536": 408, "1536x1024": 400 },
  medium: { "1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568 },
  high: { "1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208 },
};

export function defaultOutputTokens(quality: string, size: string, n: number): number {
  const perImage = OUTPUT_TOKENS_PER_IMAGE[quality === "auto" ? "medium" : quality]?.[size] ?? 1056;
  return perImage * n;
}

/** A rough text token count (about four characters per token), never zero. */
export function defaultTextTokens(prompt: string): number {
  return Math.max(1, Math.ceil(prompt.length / 4));
}
