import type { ImageModel } from "../enums";
import type { Charge } from "../pricing/cost";
import type { GenerationRecord } from "./generation-record";
import type { ImageProvider, ProviderPartialImage, ProviderResult } from "./image-provider";
import type { OpenedGeneration } from "./open-generation";
import type { GenerationRequest } from "./resolve-request";

/** What the flow gives a kind's provider call besides the request. */
export interface ProviderCallContext {
  /** The generation being made: held, not yet charged. */
  generationId: string;
  /** The caller's stable, non-reversible tag for the provider (OpenAI's `user`). */
  userTag: string;
  /** Our request's id, sent to the provider. */
  requestId: string;
  /** Where a streaming provider reports each partial image, in order. */
  onPartialImage(partial: ProviderPartialImage): void;
}

/**
 * One kind of request the generation flow serves (a generation; an edit): the flow is the same (check, hold, call,
 * store, charge or release, replay), and a kind says only how its input is checked, how a provider is called for it,
 * and what a success is charged.
 */
export interface RequestKind<Input extends { model?: ImageModel | null }, Request extends GenerationRequest> {
  /** Checks `input` against `model`'s rules, with its defaults filled in; throws BAD_USER_INPUT naming the field. */
  resolve(input: Input, model: ImageModel): Request;
  /** The request as checked for the model the caller named, as the model `served` takes it (a route may differ). */
  servedAs(asRequested: Request, served: ImageModel): Request;
  /** Whether `earlier`, stored under the request's idempotency key, was made by this same request. */
  sameRequest(earlier: GenerationRecord, request: Request): boolean;
  callProvider(provider: ImageProvider, request: Request, context: ProviderCallContext): Promise<ProviderResult>;
  /** What a success is charged: at most what was held. */
  charge(request: Request, opened: OpenedGeneration, result: ProviderResult): Charge;
}
