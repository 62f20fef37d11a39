import { mapToServingModel } from "../models/route-mapping";
import { settledCharge } from "../pricing/cost";
import type { ImageModel } from "../enums";
import type { GenerationRecord } from "./generation-record";
import type { RequestKind } from "./request-kind";
import { resolveRequest, type GenerationRequest, type GenerationRequestInput } from "./resolve-request";

/** generateImage: an image from a prompt, charged by image or by the tokens the provider reports. */
export const GENERATE_IMAGE: RequestKind<GenerationRequestInput, GenerationRequest> = {
  resolve: (input, model) => resolveRequest(input, model),
  servedAs,
  sameRequest,
  callProvider: (provider, request, context) =>
    provider.generate(
      {
        model: request.model,
        prompt: request.prompt,
        n: request.n,
        width: request.width,
        height: request.height,
        quality: request.quality,
        style: request.style ?? undefined,
        moderation: request.moderation ?? undefined,
        outputFormat: request.outputFormat ?? undefined,
        outputCompression: request.outputCompression ?? undefined,
        background: request.background ?? undefined,
        ...(request.partialImages > 0 ? { partialImages: request.partialImages } : {}),
        userTag: context.userTag,
        requestId: context.requestId,
      },
      { onPartialImage: context.onPartialImage },
    ),
  charge: (request, opened, result) =>
    settledCharge({ spec: request.spec, heldMicros: opened.heldMicros, usage: result.usage, rates: opened.tokenRates }),
};

/** Mapped and checked again as the serving model's rules when a route sends it to another model. */
function servedAs(asRequested: GenerationRequest, served: ImageModel): GenerationRequest {
  if (served === asRequested.model) return asRequested;
  return resolveRequest(mapToServingModel(asRequested, served), served, asRequested.requestedModel);
}

function sameRequest(earlier: GenerationRecord, request: GenerationRequest): boolean {
  return (
    earlier.requestedModel === request.requestedModel &&
    earlier.prompt === request.prompt &&
    earlier.n === request.n &&
    earlier.size === request.size &&
    earlier.width === request.width &&
    earlier.height === request.height &&
    earlier.quality === request.quality &&
    earlier.style === request.style &&
    earlier.moderation === request.moderation &&
    earlier.outputFormat === request.outputFormat &&
    earlier.outputCompression === request.outputCompression &&
    earlier.background === request.background &&
    earlier.responseFormat === request.responseFormat
  );
}
