import type { Principal } from "../accounts/principal";
import type { GenerationService } from "../generation/generation.service";
import type { GenerationRecord } from "../generation/generation-record";
import type { RequestScope } from "../request-scope";
import { editImageKind } from "./edit-image.kind";
import { prepareEdit, type PrepareEditDeps } from "./prepare-edit";
import type { EditRequestInput } from "./resolve-edit";

/** editImage (answered at its end) and startImageEdit (answered once held): prepared here, then the common flow. */
export class ImageEdits {
  private readonly kind;

  constructor(private readonly deps: PrepareEditDeps & { generation: GenerationService }) {
    this.kind = editImageKind(deps.db);
  }

  async edit(principal: Principal, input: EditRequestInput, scope?: RequestScope): Promise<GenerationRecord> {
    const prepared = await prepareEdit(this.deps, principal.userId, input);
    return this.deps.generation.run(this.kind, principal, prepared, scope);
  }

  async start(principal: Principal, input: EditRequestInput, scope?: RequestScope): Promise<GenerationRecord> {
    const prepared = await prepareEdit(this.deps, principal.userId, input);
    return this.deps.generation.runInBackground(this.kind, principal, prepared, scope);
  }
}
