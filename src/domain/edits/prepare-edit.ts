import { CATALOG } from "../catalog";
import type { Db } from "../db";
import type { ImageModel } from "../enums";
import { resolveRequest } from "../generation/resolve-request";
import type { ImageStorage } from "../../storage/image-storage";
import type { EditInput } from "./edit-image.kind";
import { checkEditShape, loadEditSources, type EditRequestInput } from "./resolve-edit";

export interface PrepareEditDeps {
  db: Db;
  storage: ImageStorage;
  defaultModel: ImageModel;
  /** EDIT_MAX_TOTAL_BYTES: the request's source images together. */
  maxTotalBytes: number;
}

/**
 * What an edit must pass before the flow (./edit-image.kind.ts) routes and holds it, cheapest first: the
 * generation's rules (prompt, n, size, quality, output options) and the edit's that need no bytes (the model takes
 * edits, 1-16 images, input fidelity) as the model asked for, then its sources read under their caps and checked
 * (type, size, dimensions, the mask). The flow checks the request again as the model that serves it.
 */
export async function prepareEdit(deps: PrepareEditDeps, userId: string, input: EditRequestInput): Promise<EditInput> {
  const model = input.model ?? deps.defaultModel;
  resolveRequest(input, model);
  const spec = CATALOG[model];
  checkEditShape(spec, input);
  const sources = await loadEditSources(
    { db: deps.db, storage: deps.storage, userId },
    spec,
    input,
    deps.maxTotalBytes,
  );
  const { images: _images, mask: _mask, ...generation } = input;
  return { ...generation, sources, inputFidelity: input.inputFidelity ?? null };
}
