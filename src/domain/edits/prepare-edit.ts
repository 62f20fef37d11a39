import { CATALOG } from "../catalog";
import type { Db } from "../db";
import type { ImageModel, InputFidelity } from "../enums";
import { mapToServingModel } from "../models/route-mapping";
import { resolveRequest, type GenerationRequest } from "../generation/resolve-request";
import type { ImageStorage } from "../../storage/image-storage";
import { loadEditSources, type EditRequestInput, type EditSources } from "./resolve-edit";

export interface PrepareEditDeps {
  db: Db;
  storage: ImageStorage;
  models: { serve(model: ImageModel, now: Date): Promise<ImageModel> };
  defaultModel: ImageModel;
  /** EDIT_MAX_TOTAL_BYTES: the request's source images together. */
  maxTotalBytes: number;
  now(): Date;
}

/** An edit checked against every rule, its sources in memory: ready to be held. */
export interface PreparedEdit {
  /** As the model that serves it (a route may differ from what was asked). */
  request: GenerationRequest;
  /** As the caller asked, for comparing a retry under the same idempotency key. */
  asRequested: GenerationRequest;
  sources: EditSources;
  inputFidelity: InputFidelity | null;
}

/**
 * Everything an edit must pass before anything is held, cheapest first: the generation's rules as the model asked
 * for (prompt, n, size, quality, output options), the route to the serving model (MODEL_RETIRED), the edit's own
 * rules that need no bytes (the model takes edits, 1-16 images, input fidelity), then the sources read under their
 * caps and checked (type, dimensions, the mask).
 */
export async function prepareEdit(
  deps: PrepareEditDeps,
  userId: string,
  input: EditRequestInput,
): Promise<PreparedEdit> {
  const requested = input.model ?? deps.defaultModel;
  const asRequested = resolveRequest(input, requested);
  const served = await deps.models.serve(requested, deps.now());
  const request =
    served === requested ? asRequested : resolveRequest(mapToServingModel(asRequested, served), served, requested);
  const spec = CATALOG[request.model];
  const context = { db: deps.db, storage: deps.storage, userId };
  const sources = await loadEditSources(context, spec, input, deps.maxTotalBytes);
  return { request, asRequested, sources, inputFidelity: input.inputFidelity ?? null };
}
