import { createHash } from "node:crypto";
import { PNG } from "pngjs";
import { imageInfo, type FakeImageFormat } from "./image-formats";
import { checkGenerateBody, modelFamily, type OpenAIWireError } from "./openai-fake-rules";

// POST /v1/images/edits as OpenAI takes it: multipart/form-data with the generation's fields as text parts, the
// source images as `image` or `image[]` file parts (png, webp or jpg under 50MB, up to 16, GPT image models), an
// optional `mask` (a PNG under 4MB with an alpha channel and the first image's dimensions) and `input_fidelity`
// (high/low; not gpt-image-1-mini). Parsed with the runtime's own multipart parser (undici's FormData), so what the
// SDK sends is checked independently of how imagegate built it; every part is kept for tests to assert on.

export interface ReceivedFile {
  /** The part's field name: "image", "image[]" or "mask". */
  field: string;
  fileName: string;
  /** The part's declared Content-Type. */
  contentType: string;
  sizeBytes: number;
  sha256: string;
  /** From the bytes' signature and header; undefined when they are no image the fake can read. */
  format: FakeImageFormat | undefined;
  width: number | undefined;
  height: number | undefined;
  /** Whether it decodes as a PNG with an alpha channel (colour type 4 or 6, or tRNS). */
  alpha: boolean;
}

/** One edits call as received: its text fields, and its files in the order sent. */
export interface ReceivedEdit {
  fields: Record<string, string>;
  images: ReceivedFile[];
  mask: ReceivedFile | undefined;
}

const MAX_IMAGES = 16;
const MAX_IMAGE_BYTES = 50 * 1000 * 1000;
const MAX_MASK_BYTES = 4 * 1000 * 1000;
const NUMERIC_FIELDS = ["n", "output_compression", "partial_images"];

function invalid(param: string, message: string, code: string | null = "invalid_value"): OpenAIWireError {
  return { message, type: "invalid_request_error", param, code };
}

/** The edit's parts, or the error OpenAI answers for a body that is not multipart. */
export async function parseEdit(
  rawBody: Buffer,
  contentType: string | undefined,
): Promise<ReceivedEdit | OpenAIWireError> {
  if (contentType === undefined || !contentType.toLowerCase().startsWith("multipart/form-data")) {
    return invalid("image", "Invalid Content-Type header, expected multipart/form-data.", null);
  }
  let form: FormData;
  try {
    form = await new Response(rawBody, { headers: { "content-type": contentType } }).formData();
  } catch {
    return invalid("image", "Could not parse multipart form.", null);
  }
  const edit: ReceivedEdit = { fields: {}, images: [], mask: undefined };
  for (const [field, value] of form.entries()) {
    if (typeof value === "string") {
      edit.fields[field] = value;
      continue;
    }
    const file = await receivedFile(field, value);
    if (field === "mask") edit.mask = file;
    else if (field === "image" || field === "image[]") edit.images.push(file);
    else return invalid(field, `Unknown parameter: '${field}'.`, "unknown_parameter");
  }
  return edit;
}

async function receivedFile(field: string, file: File): Promise<ReceivedFile> {
  const bytes = Buffer.from(await file.arrayBuffer());
  let info: ReturnType<typeof imageInfo> | undefined;
  try {
    info = imageInfo(bytes);
  } catch {
    info = undefined;
  }
  return {
    field,
    fileName: file.name,
    contentType: file.type,
    sizeBytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    format: info?.format,
    width: info?.width,
    height: info?.height,
    alpha: info?.format === "png" && pngHasAlpha(bytes),
  };
}

function pngHasAlpha(bytes: Buffer): boolean {
  try {
    const png = PNG.sync.read(bytes);
    return png.alpha;
  } catch {
    return false;
  }
}

/** The JSON-like body the generation rules check: numbers where OpenAI parses numbers from the form's text. */
export function editBodyOf(edit: ReceivedEdit): Record<string, unknown> {
  const body: Record<string, unknown> = { ...edit.fields };
  for (const field of NUMERIC_FIELDS) {
    if (body[field] !== undefined) body[field] = Number(body[field]);
  }
  return body;
}

/** The first rule the edit breaks, as OpenAI reports it, or undefined. */
export function checkEdit(edit: ReceivedEdit): OpenAIWireError | undefined {
  const body = editBodyOf(edit);
  const model = typeof body.model === "string" ? body.model : "dall-e-2";
  if (modelFamily(model) === "gpt-image" && body.moderation !== undefined) {
    return invalid("moderation", "Unknown parameter: 'moderation'.", "unknown_parameter");
  }
  const { input_fidelity: fidelity, ...rest } = body;
  const generationError = checkGenerateBody(rest);
  if (generationError !== undefined) return generationError;
  if (modelFamily(model) !== "gpt-image") return invalid("model", `Edits are not served for '${model}' by this fake.`);
  if (edit.images.length === 0) {
    return invalid("image", "Missing required parameter: 'image'.", "missing_required_parameter");
  }
  if (edit.images.length > MAX_IMAGES) return invalid("image", `You can provide up to ${MAX_IMAGES} images.`);
  for (const image of edit.images) {
    if (image.format === undefined) {
      return invalid("image", "Invalid image file or mode. Supported formats are 'png', 'webp' and 'jpeg'.");
    }
    if (image.sizeBytes >= MAX_IMAGE_BYTES) return invalid("image", "Each image must be smaller than 50MB.");
  }
  if (fidelity !== undefined) {
    if (model === "gpt-image-1-mini") {
      return invalid(
        "input_fidelity",
        `Unsupported parameter: 'input_fidelity' is not supported with model '${model}'.`,
        "unsupported_parameter",
      );
    }
    if (fidelity !== "low" && fidelity !== "high") {
      return invalid("input_fidelity", `Invalid value: '${String(fidelity)}'. Supported values are: 'low', 'high'.`);
    }
  }
  return checkMask(edit);
}

function checkMask(edit: ReceivedEdit): OpenAIWireError | undefined {
  const mask = edit.mask;
  if (mask === undefined) return undefined;
  if (mask.format !== "png" || mask.alpha !== true) {
    return invalid("mask", "Invalid mask image: it must be a PNG with an alpha channel.");
  }
  if (mask.sizeBytes >= MAX_MASK_BYTES) return invalid("mask", "The mask must be smaller than 4MB.");
  const first = edit.images[0]!;
  if (mask.width !== first.width || mask.height !== first.height) {
    return invalid("mask", "Invalid mask: the mask and the image must have the same dimensions.");
  }
  return undefined;
}

/**
 * Input image tokens the fake reports by default: per image, OpenAI's gpt-image-1 count for a one-tile image (65 +
 * 129) and, with input_fidelity high, the square image's extra 4160 (6240 otherwise).
 */
export function defaultImageTokens(edit: ReceivedEdit): number {
  const high = edit.fields.input_fidelity === "high";
  return edit.images.reduce((total, image) => {
    const extra = !high ? 0 : image.width === image.height ? 4160 : 6240;
    return total + 194 + extra;
  }, 0);
}
