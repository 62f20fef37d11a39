import { CATALOG } from "../catalog";
import { ModelStatus, type ImageModel } from "../enums";

/** An admin's route for a model: served by another, enabled as itself (servedBy null), or disabled. */
export interface ModelRoute {
  model: ImageModel;
  servedBy: ImageModel | null;
  enabled: boolean;
}

/** A model's life as this deployment sees it now: the catalog's, shutdown dates the provider announced, routes. */
export interface ModelState {
  model: ImageModel;
  status: ModelStatus;
  /** YYYY-MM-DD (UTC). */
  shutdownDate: string | null;
  replacement: ImageModel | null;
  servedBy: ImageModel | null;
  /** false: refused before anything is held. */
  enabled: boolean;
}

export interface ModelFacts {
  routes: ReadonlyMap<ImageModel, ModelRoute>;
  /** Shutdown dates announced by the provider's model list, YYYY-MM-DD. */
  announcedShutdowns: ReadonlyMap<ImageModel, string>;
}

/** The provider's latest word: a date its model list announced (brought forward or postponed), else the catalog's. */
export function shutdownDateOf(model: ImageModel, facts: ModelFacts): string | null {
  return facts.announcedShutdowns.get(model) ?? CATALOG[model].lifecycle.shutdownDate;
}

/** SHUT_DOWN from the first moment (UTC) of its shutdown date; DEPRECATED while one is announced. */
export function statusOf(model: ImageModel, facts: ModelFacts, now: Date): ModelStatus {
  const shutdownDate = shutdownDateOf(model, facts);
  if (shutdownDate === null) return ModelStatus.ACTIVE;
  return now.toISOString().slice(0, 10) >= shutdownDate ? ModelStatus.SHUT_DOWN : ModelStatus.DEPRECATED;
}

export function stateOf(model: ImageModel, facts: ModelFacts, now: Date): ModelState {
  const route = facts.routes.get(model);
  const status = statusOf(model, facts, now);
  return {
    model,
    status,
    shutdownDate: shutdownDateOf(model, facts),
    replacement: CATALOG[model].lifecycle.replacement,
    servedBy: route?.servedBy ?? null,
    enabled: route?.enabled ?? status !== ModelStatus.SHUT_DOWN,
  };
}

/**
 * The model that serves a request for `model`, or null when it is refused (disabled, or shut down with no route
 * enabling it). A route's target must itself be servable as itself: routes do not chain.
 */
export function servingModel(model: ImageModel, facts: ModelFacts, now: Date): ImageModel | null {
  const state = stateOf(model, facts, now);
  if (!state.enabled) return null;
  if (state.servedBy === null) return model;
  return servesItself(state.servedBy, facts, now) ? state.servedBy : null;
}

export function servesItself(model: ImageModel, facts: ModelFacts, now: Date): boolean {
  const state = stateOf(model, facts, now);
  return state.enabled && state.servedBy === null;
}

/** The deprecation a shut-down enum value carries in the schema, from the catalog's published lifecycle. */
export function deprecationReason(model: ImageModel): string | undefined {
  const { shutdownDate, replacement } = CATALOG[model].lifecycle;
  if (shutdownDate === null) return undefined;
  const instead = replacement === null ? "" : `; use ${replacement}`;
  return `${CATALOG[model].upstreamId}: shut down upstream on ${shutdownDate}${instead}`;
}
