import { recordAudit } from "../audit/audit-log";
import type { Db } from "../db";
import { ImageModel } from "../enums";
import { badInput, notFound } from "../errors";
import { isUuid } from "../ids";

export interface SetAllowedModelsInput {
  actorId: string;
  userId: string | null;
  teamId: string | null;
  /** null: no restriction; empty: no model at all. */
  models: readonly ImageModel[] | null;
}

const MODEL_ORDER: readonly ImageModel[] = Object.values(ImageModel);
/** Repeats are harmless, but a list is not read past this. */
const MAX_MODELS_GIVEN = 100;

/**
 * Sets (or clears) a user's or a team's model allowlist, audited. The database trigger on the row makes every
 * process forget the principals it kept (migration user_admin_controls), so the list applies to the next request.
 */
export async function setAllowedModels(db: Db, input: SetAllowedModelsInput): Promise<void> {
  if ((input.userId === null) === (input.teamId === null)) {
    throw badInput("userId", "give exactly one of userId and teamId");
  }
  if (input.models !== null && input.models.length > MAX_MODELS_GIVEN) {
    throw badInput("models", `models must list at most ${MAX_MODELS_GIVEN} models`);
  }
  const restricted = input.models !== null;
  // One entry per model, in the enum's order: what is stored and audited does not depend on how it was typed.
  const models = MODEL_ORDER.filter((model) => input.models?.includes(model) === true);
  const data = { modelsRestricted: restricted, allowedModels: models };
  const after = { allowedModels: restricted ? models : null };
  await db.$transaction(async (tx) => {
    if (input.userId !== null) {
      const user = isUuid(input.userId) ? await tx.user.findUnique({ where: { id: input.userId } }) : null;
      if (user === null) throw notFound("User");
      await tx.user.update({ where: { id: user.id }, data });
      const before = { allowedModels: user.modelsRestricted ? user.allowedModels : null };
      await recordAudit(tx, { ...audit(input.actorId, "User", user.id), before, after });
    } else {
      const id = input.teamId!;
      const team = isUuid(id) ? await tx.team.findFirst({ where: { id, deletedAt: null } }) : null;
      if (team === null) throw notFound("Team");
      await tx.team.update({ where: { id: team.id }, data });
      const before = { allowedModels: team.modelsRestricted ? team.allowedModels : null };
      await recordAudit(tx, { ...audit(input.actorId, "Team", team.id), before, after });
    }
  });
}

const audit = (actorId: string, targetType: "User" | "Team", targetId: string) => ({
  actorId,
  action: "setAllowedModels" as const,
  targetType,
  targetId,
});
