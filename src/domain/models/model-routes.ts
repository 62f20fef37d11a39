import { recordAudit } from "../audit/audit-log";
import type { Tx } from "../db";
import type { ImageModel } from "../enums";
import { badInput } from "../errors";
import { servesItself, stateOf, type ModelState } from "./model-lifecycle";
import { loadModelFacts } from "./model-directory";

export interface SetModelRouteInput {
  model: ImageModel;
  /** null: served as itself. */
  servedBy: ImageModel | null;
  enabled: boolean;
  /** null: a change made outside the API (a script). */
  actorId: string | null;
  now: Date;
}

/**
 * setModelRoute: enables a model as itself (the deployment's upstream still serves it), sends it to another model,
 * or disables it; audited in the same transaction. Every process reloads its routes when this commits. Routes do
 * not chain: the target must be served as itself, and a model that other models are routed to stays served as itself.
 */
export async function setModelRoute(tx: Tx, input: SetModelRouteInput): Promise<ModelState> {
  const { model, servedBy, enabled, now } = input;
  // Serialises route changes: two admins routing A to B and B to A at once would otherwise make a chain.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('imagegate_model_routes'))`;
  const facts = await loadModelFacts(tx);
  if (servedBy !== null) {
    if (!enabled) throw badInput("servedBy", "a disabled model is served by nothing: leave servedBy null");
    if (servedBy === model) throw badInput("servedBy", "to serve a model as itself, leave servedBy null");
    if (!servesItself(servedBy, facts, now)) {
      throw badInput("servedBy", `${servedBy} is not served as itself here, so it cannot serve ${model}`);
    }
  }
  const routedHere = [...facts.routes.values()].filter((route) => route.servedBy === model && route.enabled);
  if (routedHere.length > 0 && (servedBy !== null || !enabled)) {
    const sources = routedHere.map((route) => route.model).join(", ");
    throw badInput("model", `${sources} ${routedHere.length === 1 ? "is" : "are"} routed to ${model}: move them first`);
  }
  const before = stateOf(model, facts, now);
  const row = { servedBy, enabled, updatedById: input.actorId, updatedAt: now };
  await tx.modelRoute.upsert({ where: { model }, create: { model, ...row }, update: row });
  const after = stateOf(
    model,
    { ...facts, routes: new Map(facts.routes).set(model, { model, servedBy, enabled }) },
    now,
  );
  await recordAudit(tx, {
    actorId: input.actorId,
    action: "setModelRoute",
    targetType: "Model",
    targetId: model,
    before,
    after,
  });
  return after;
}
