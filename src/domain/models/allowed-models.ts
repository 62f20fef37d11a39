import type { Principal } from "../accounts/principal";
import type { ImageModel } from "../enums";
import { DomainError } from "../errors";

// Model allowlists (setAllowedModels): a user's and its team's, each null for no restriction. Where both apply, a
// model must be in both. Checked against the model the caller asked for, before anything is held or counted: an
// admin's route decides what serves it, not what the caller may ask for.

export type AllowlistScope = "USER" | "TEAM";

/** The scope whose allowlist leaves `model` out (the user's first), or null when it is allowed. */
export function refusingScope(principal: Principal, model: ImageModel): AllowlistScope | null {
  if (principal.userAllowedModels !== null && !principal.userAllowedModels.includes(model)) return "USER";
  if (principal.teamAllowedModels !== null && !principal.teamAllowedModels.includes(model)) return "TEAM";
  return null;
}

/** Throws MODEL_NOT_ALLOWED (extensions `model`, `scope`) when the caller may not ask for `model`. */
export function assertModelAllowed(principal: Principal, model: ImageModel): void {
  const scope = refusingScope(principal, model);
  if (scope === null) return;
  const whose = scope === "USER" ? "your" : "your team's";
  throw new DomainError("MODEL_NOT_ALLOWED", `${model} is not in ${whose} allowed models; nothing was held`, {
    model,
    scope,
  });
}
