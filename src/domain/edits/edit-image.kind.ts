import { CATALOG } from "../catalog";
import type { Db } from "../db";
import { ImageResponseFormat, type ImageModel, type InputFidelity } from "../enums";
import { GENERATE_IMAGE } from "../generation/generate-image.kind";
import type { RequestKind } from "../generation/request-kind";
import { resolveRequest, type GenerationRequest } from "../generation/resolve-request";
import { mapToServingModel } from "../models/route-mapping";
import { recordEditSources } from "./edit-sources.queries";
import type { SourceImage } from "./edit-sources";
import { checkEditShape, maxInputTokensOf, type EditGenerationInput, type EditSources } from "./resolve-edit";

/** An edit whose sources are read and checked (./prepare-edit.ts): what the flow takes. */
export interface EditInput extends EditGenerationInput {
  sources: EditSources;
  inputFidelity: InputFidelity | null;
}

export interface EditRequest extends GenerationRequest {
  sources: EditSources;
  inputFidelity: InputFidelity | null;
  imageInputTokens: number;
}

/**
 * editImage and startImageEdit: the generation flow with source images. Checked as a generation plus the edit's
 * rules for the serving model; held with its sources' most input image tokens; sent to the provider's edit call
 * once its sources are recorded beside the held generation; charged like a generation, from the reported usage
 * (input image tokens included) and never past the hold.
 */
export function editImageKind(db: Db): RequestKind<EditInput, EditRequest> {
  return {
    resolve: (input, model) =>
      asEdit(resolveRequest({ ...input, responseFormat: ImageResponseFormat.URL }, model), input),
    servedAs: (asRequested, served) => {
      if (served === asRequested.model) return asRequested;
      const mapped = mapToServingModel(asRequested, served);
      return asEdit(resolveRequest(mapped, served, asRequested.requestedModel), asRequested);
    },
    // The generation's fields and the input fidelity; the sources are not compared (see the README).
    sameRequest: (earlier, request) =>
      GENERATE_IMAGE.sameRequest(earlier, request) && earlier.inputFidelity === request.inputFidelity,
    callProvider: async (provider, request, context) => {
      await recordEditSources(db, context.generationId, request.sources, request.inputFidelity);
      const { sources } = request;
      return provider.edit(
        {
          model: request.model,
          prompt: request.prompt,
          n: request.n,
          width: request.width,
          height: request.height,
          quality: request.quality,
          outputFormat: request.outputFormat ?? undefined,
          background: request.background ?? undefined,
          userTag: context.userTag,
          requestId: context.requestId,
          images: sources.images.map((image) => toProviderSource(image, `image-${image.position}`)),
          ...(sources.mask === null ? {} : { mask: toProviderSource(sources.mask, "mask") }),
          ...(request.inputFidelity === null ? {} : { inputFidelity: request.inputFidelity }),
        },
        { onPartialImage: context.onPartialImage },
      );
    },
    charge: (request, opened, result) => GENERATE_IMAGE.charge(request, opened, result),
  };
}

/** The generation request with the edit's own parts, checked against the model's edit rules. */
function asEdit(request: GenerationRequest, edit: Pick<EditInput, "sources" | "inputFidelity">): EditRequest {
  const { sources, inputFidelity } = edit;
  const rules = checkEditShape(CATALOG[request.model as ImageModel], { images: sources.images, inputFidelity });
  return { ...request, sources, inputFidelity, imageInputTokens: maxInputTokensOf(sources, rules, inputFidelity) };
}

const EXTENSIONS: Record<SourceImage["contentType"], string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
};

function toProviderSource(image: SourceImage, name: string) {
  return { bytes: image.bytes, contentType: image.contentType, fileName: `${name}.${EXTENSIONS[image.contentType]}` };
}
