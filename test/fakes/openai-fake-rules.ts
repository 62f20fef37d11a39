import { CATALOG, sizeDimensions, type CustomSizeRules, type ModelSpec } from "../../src/domain/catalog";
import type { ImageSize } from "../../src/domain/enums";

// What OpenAI's POST /v1/images/generations accepts per model, so that a wrong wire mapping fails in tests the way
// it would against the real API: HTTP 400, invalid_request_error. Which models exist and their limits (sizes,
// qualities, n, prompt length, whether they take output_format and background) come from the catalog, by upstream
// id, retired models included: the fake stands for an upstream that still serves them. The wire's own rules (which
// parameter a family does not know, the values a parameter takes) are written here, as OpenAI documents them.

export interface OpenAIWireError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export type ModelFamily = "dall-e" | "gpt-image";

interface ModelRules {
  family: ModelFamily;
  /** "WxH", and "auto" for GPT image models. */
  sizes: readonly string[];
  customSizes: CustomSizeRules | null;
  qualities: readonly string[];
  styles: readonly string[];
  maxN: number;
  maxPromptChars: number;
  /** output_format and output_compression. */
  takesOutputFormat: boolean;
  takesBackground: boolean;
}

const OUTPUT_FORMATS = ["png", "jpeg", "webp"];
const BACKGROUNDS = ["auto", "opaque", "transparent"];
const MODERATIONS = ["auto", "low"];

function wireSize(size: ImageSize): string[] {
  if (size === "CUSTOM") return [];
  const { width, height } = sizeDimensions(size);
  return [`${width}x${height}`];
}

function rulesOf(spec: ModelSpec): ModelRules {
  const family: ModelFamily = spec.billing === "TOKENS" ? "gpt-image" : "dall-e";
  const auto = family === "gpt-image" ? ["auto"] : [];
  return {
    family,
    sizes: [...auto, ...spec.sizes.flatMap(wireSize)],
    customSizes: spec.customSizes,
    qualities: [...auto, ...spec.qualities.map((quality) => quality.toLowerCase())],
    styles: spec.styles.map((style) => style.toLowerCase()),
    maxN: spec.maxN,
    maxPromptChars: spec.maxPromptLength,
    takesOutputFormat: spec.outputFormats.length > 0,
    takesBackground: spec.supportsBackground,
  };
}

const MODELS: ReadonlyMap<string, ModelRules> = new Map(
  Object.values(CATALOG)
    .filter((spec) => spec.provider === "openai")
    .map((spec) => [spec.upstreamId, rulesOf(spec)]),
);

/** The upstream ids the fake serves: every OpenAI model of the catalog. */
export function fakeOpenAIModels(): string[] {
  return [...MODELS.keys()];
}

export function modelFamily(model: string): ModelFamily | undefined {
  return MODELS.get(model)?.family;
}

function invalid(param: string, message: string, code: string | null = "invalid_value"): OpenAIWireError {
  return { message, type: "invalid_request_error", param, code };
}

function unknownParameter(param: string): OpenAIWireError {
  return invalid(param, `Unknown parameter: '${param}'.`, "unknown_parameter");
}

function unsupportedParameter(param: string, model: string): OpenAIWireError {
  return invalid(
    param,
    `Unsupported parameter: '${param}' is not supported with model '${model}'.`,
    "unsupported_parameter",
  );
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function oneOf(param: string, value: unknown, allowed: readonly string[]): OpenAIWireError | undefined {
  if (!present(value) || allowed.includes(String(value))) return undefined;
  const listed = allowed.map((option) => `'${option}'`).join(", ");
  return invalid(param, `Invalid value: '${String(value)}'. Supported values are: ${listed}.`);
}

/** The first rule the body breaks, as OpenAI would report it, or undefined when the body is acceptable. */
export function checkGenerateBody(body: Record<string, unknown>): OpenAIWireError | undefined {
  const model = typeof body.model === "string" ? body.model : "dall-e-2"; // OpenAI's historical default
  const rules = MODELS.get(model);
  if (rules === undefined)
    return invalid(
      "model",
      `Invalid value: '${String(body.model)}'. The model does not exist or you do not have access to it.`,
    );
  return (
    checkPromptAndN(rules, body) ??
    checkSize(rules, body.size) ??
    oneOf("quality", body.quality, rules.qualities) ??
    (rules.family === "gpt-image" ? checkGptImageParams(body) : checkDallEParams(rules, body)) ??
    checkOutputOptions(rules, model, body) ??
    checkStreaming(rules, body)
  );
}

/** Streaming (`stream: true`, `partial_images` 0-3) is for GPT image models only. */
function checkStreaming(rules: ModelRules, body: Record<string, unknown>): OpenAIWireError | undefined {
  if (present(body.stream) && typeof body.stream !== "boolean") {
    return invalid("stream", `Invalid type for 'stream': expected a boolean, but got ${typeof body.stream} instead.`);
  }
  if (body.stream === true && rules.family !== "gpt-image") {
    return invalid("stream", "Streaming is not supported for this model.");
  }
  const partials = body.partial_images;
  if (!present(partials)) return undefined;
  if (rules.family !== "gpt-image") return unknownParameter("partial_images");
  if (typeof partials !== "number" || !Number.isInteger(partials) || partials < 0 || partials > 3) {
    return invalid(
      "partial_images",
      "Invalid 'partial_images': integer must be between 0 and 3.",
      "integer_out_of_range",
    );
  }
  return undefined;
}

function checkPromptAndN(rules: ModelRules, body: Record<string, unknown>): OpenAIWireError | undefined {
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
  return undefined;
}

function checkSize(rules: ModelRules, size: unknown): OpenAIWireError | undefined {
  if (!present(size) || rules.sizes.includes(String(size))) return undefined;
  if (rules.customSizes === null) return oneOf("size", size, rules.sizes);
  const broken = customSizeViolation(rules.customSizes, String(size));
  return broken === undefined ? undefined : invalid("size", `Invalid size '${String(size)}': ${broken}.`);
}

/** Which of the custom-size rules `size` breaks, or undefined when it is a valid custom size. */
function customSizeViolation(rules: CustomSizeRules, size: string): string | undefined {
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  if (match === null) return "expected 'auto' or WIDTHxHEIGHT";
  const width = Number(match[1]);
  const height = Number(match[2]);
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (short === 0 || width % rules.multipleOf !== 0 || height % rules.multipleOf !== 0)
    return `width and height must be positive multiples of ${rules.multipleOf}`;
  if (long > rules.maxLongSide) return `the longer side must be at most ${rules.maxLongSide} pixels`;
  if (long > short * rules.maxRatio) return `the aspect ratio must be at most ${rules.maxRatio}:1`;
  if (width * height > rules.maxPixels) return `the image must have at most ${rules.maxPixels} pixels`;
  return undefined;
}

function checkGptImageParams(body: Record<string, unknown>): OpenAIWireError | undefined {
  if (body.response_format !== undefined) return unknownParameter("response_format");
  if (body.style !== undefined) return unknownParameter("style");
  return oneOf("moderation", body.moderation, MODERATIONS);
}

function checkDallEParams(rules: ModelRules, body: Record<string, unknown>): OpenAIWireError | undefined {
  if (body.moderation !== undefined) return unknownParameter("moderation");
  const formatError = oneOf("response_format", body.response_format, ["url", "b64_json"]);
  if (formatError !== undefined) return formatError;
  if (present(body.style) && rules.styles.length === 0) return unknownParameter("style");
  return oneOf("style", body.style, rules.styles);
}

/**
 * output_format, output_compression and background: only models that take them (gpt-image-2 and later); compression
 * only for the lossy formats, and no transparency in a JPEG.
 */
function checkOutputOptions(
  rules: ModelRules,
  model: string,
  body: Record<string, unknown>,
): OpenAIWireError | undefined {
  const { output_format: format, output_compression: compression, background } = body;
  if (!rules.takesOutputFormat && present(format)) return unsupportedParameter("output_format", model);
  if (!rules.takesOutputFormat && present(compression)) return unsupportedParameter("output_compression", model);
  if (!rules.takesBackground && present(background)) return unsupportedParameter("background", model);
  const formatError = oneOf("output_format", format, OUTPUT_FORMATS);
  if (formatError !== undefined) return formatError;
  const effectiveFormat = present(format) ? String(format) : "png";
  if (present(compression)) {
    if (typeof compression !== "number" || !Number.isInteger(compression) || compression < 0 || compression > 100)
      return invalid("output_compression", "Invalid 'output_compression': integer between 0 and 100 expected.");
    if (effectiveFormat === "png")
      return invalid(
        "output_compression",
        "output_compression is only supported for the jpeg and webp output formats.",
      );
  }
  const backgroundError = oneOf("background", background, BACKGROUNDS);
  if (backgroundError !== undefined) return backgroundError;
  if (background === "transparent" && effectiveFormat === "jpeg")
    return invalid("background", "Transparent background is not supported for the jpeg output format.");
  return undefined;
}

/** Output tokens per image, from OpenAI's published table for gpt-image-1. */
const OUTPUT_TOKENS_PER_IMAGE: Record<string, Record<string, number>> = {
  low: { "1024x1024": 272, "1024x1536": 408, "1536x1024": 400 },
  medium: { "1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568 },
  high: { "1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208 },
};

const REFERENCE_SIZE = "1024x1024";
const REFERENCE_PIXELS = 1024 * 1024;

/**
 * Output tokens for n images: the published figure for the sizes the table lists, otherwise the 1024x1024 figure
 * scaled by pixel area and rounded up. "auto" quality is medium and "auto" size 1024x1024.
 */
export function defaultOutputTokens(quality: string, size: string, n: number): number {
  const table = OUTPUT_TOKENS_PER_IMAGE[quality === "auto" ? "medium" : quality] ?? OUTPUT_TOKENS_PER_IMAGE.medium!;
  const resolved = size === "auto" ? REFERENCE_SIZE : size;
  const listed = table[resolved];
  if (listed !== undefined) return listed * n;
  const [width = 1024, height = 1024] = resolved.split("x").map(Number);
  return Math.ceil((table[REFERENCE_SIZE]! * width * height) / REFERENCE_PIXELS) * n;
}

/** A rough text token count (about four characters per token), never zero. */
export function defaultTextTokens(prompt: string): number {
  return Math.max(1, Math.ceil(prompt.length / 4));
}
