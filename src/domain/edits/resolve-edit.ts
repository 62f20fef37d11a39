import type { Readable } from "node:stream";
import type { EditRules, ModelSpec } from "../catalog";
import type { InputFidelity } from "../enums";
import { badInput } from "../errors";
import type { GenerationRequestInput } from "../generation/resolve-request";
import { loadSource, type EditSourceInput, type SourceContext, type SourceImage } from "./edit-sources";
import { maxImageInputTokens } from "./image-input-tokens";

// An edit's own rules, on top of the generation's (prompt, n, size, quality, output options: resolve-request.ts).
// Checked in two steps, both before anything is held: what can be told from the request alone, then, with the
// sources in memory, their types and dimensions. Each refusal is BAD_USER_INPUT naming the field.

/** The generation's fields an edit takes (no style, moderation or compression; images are always stored). */
export type EditGenerationInput = Omit<
  GenerationRequestInput,
  "style" | "moderation" | "outputCompression" | "responseFormat"
>;

export interface EditRequestInput extends EditGenerationInput {
  images: readonly EditSourceInput[];
  mask?: EditSourceInput | null;
  inputFidelity?: InputFidelity | null;
}

/** A source as the API gives it: exactly one of an upload or a generation id (and index, 0 by default). */
export interface GivenSource {
  upload?: (() => Promise<Readable>) | null;
  generationId?: string | null;
  index?: number | null;
}

/** Which of the two a source is; refuses neither or both, and an index without a generation. */
export function sourceInputOf(given: GivenSource, field: string): EditSourceInput {
  const upload = given.upload ?? null;
  const generationId = given.generationId ?? null;
  if ((upload === null) === (generationId === null)) {
    throw badInput(field, "give exactly one of upload or generationId");
  }
  if (upload !== null) {
    if (given.index !== undefined && given.index !== null)
      throw badInput(`${field}.index`, "index goes with generationId");
    return { kind: "upload", open: upload };
  }
  return { kind: "stored", generationId: generationId!, index: given.index ?? 0 };
}

/** The rules that need no bytes: the model takes edits, the number of images, input fidelity. */
export function checkEditShape(
  spec: ModelSpec,
  input: { images: readonly unknown[]; inputFidelity?: InputFidelity | null },
): EditRules {
  const rules = spec.edits;
  if (rules === null) throw badInput("input.model", `${spec.model} takes no edits; use a GPT image model`);
  if (input.images.length === 0) throw badInput("input.images", "an edit needs at least one image");
  if (input.images.length > rules.maxImages) {
    throw badInput("input.images", `an edit takes at most ${rules.maxImages} images`);
  }
  const fidelity = input.inputFidelity ?? null;
  if (fidelity !== null && !rules.inputFidelity) {
    throw badInput("input.inputFidelity", `${spec.model} takes no inputFidelity`);
  }
  return rules;
}

export interface EditSources {
  images: SourceImage[];
  mask: SourceImage | null;
}

/**
 * Reads every source under the caps, all at once (an upload's bytes arrive in the order the client sent its parts,
 * so reading them one after another could wait on a part not yet read), then checks them. When several fail, the
 * first by position is reported, so the answer does not depend on timing.
 */
export async function loadEditSources(
  context: SourceContext,
  spec: ModelSpec,
  input: EditRequestInput,
  totalBytes: number,
): Promise<EditSources> {
  const rules = checkEditShape(spec, input);
  const limits = {
    maxImageBytes: rules.maxImageBytes,
    maxMaskBytes: rules.maxMaskBytes,
    budget: { remainingBytes: totalBytes, totalBytes },
  };
  const reads = input.images.map((source, position) =>
    loadSource(context, source, { role: "IMAGE", position, field: `input.images[${position}]` }, limits),
  );
  if (input.mask !== undefined && input.mask !== null) {
    reads.push(loadSource(context, input.mask, { role: "MASK", position: 0, field: "input.mask" }, limits));
  }
  const settled = await Promise.allSettled(reads);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
  const loaded = settled.map((result) => (result as PromiseFulfilledResult<SourceImage>).value);
  const images = loaded.filter((source) => source.role === "IMAGE");
  const mask = loaded.find((source) => source.role === "MASK") ?? null;
  if (mask !== null) checkMask(mask, images[0]!);
  return { images, mask };
}

/** The most input image tokens the sources can cost on a model with these rules (the hold's share for them). */
export function maxInputTokensOf(sources: EditSources, rules: EditRules, fidelity: InputFidelity | null): number {
  const highFidelity = rules.alwaysHighFidelity || fidelity === "HIGH";
  const all = sources.mask === null ? sources.images : [...sources.images, sources.mask];
  return all.reduce((total, source) => total + maxImageInputTokens(source.width, source.height, highFidelity), 0);
}

function checkMask(mask: SourceImage, first: SourceImage): void {
  if (mask.contentType !== "image/png" || !mask.hasAlpha) {
    throw badInput("input.mask", "a mask must be a PNG with an alpha channel");
  }
  if (mask.width !== first.width || mask.height !== first.height) {
    throw badInput(
      "input.mask",
      `the mask must have the first image's dimensions, ${first.width}x${first.height} (it is ${mask.width}x${mask.height})`,
    );
  }
}
