import type { Db, Tx } from "../db";
import type { ImageModel } from "../enums";
import { DomainError } from "../errors";
import { servingModel, stateOf, type ModelFacts, type ModelRoute, type ModelState } from "./model-lifecycle";

/**
 * Routes and announced shutdown dates, kept in memory (one lookup fewer per request) and reloaded when the database
 * announces a change on `imagegate_models` (migration models_as_data): like the authenticator's principals, what is
 * kept is only trusted while those notifications flow, and for `ttlMs` at most, should one be lost.
 */
export class ModelDirectory {
  private facts: Promise<ModelFacts> | null = null;
  private loadedAtMs = 0;
  private trusted = false;

  constructor(
    private readonly db: Db,
    private readonly options: { ttlMs: number },
  ) {}

  /** The model that serves a request for `model`; MODEL_RETIRED, before anything is held, when it is refused. */
  async serve(model: ImageModel, now: Date): Promise<ImageModel> {
    const facts = await this.current();
    const served = servingModel(model, facts, now);
    if (served === null) throw modelRetired(stateOf(model, facts, now));
    return served;
  }

  async states(models: readonly ImageModel[], now: Date): Promise<ModelState[]> {
    const facts = await this.current();
    return models.map((model) => stateOf(model, facts, now));
  }

  trust(): void {
    this.forget();
    this.trusted = true;
  }

  distrust(): void {
    this.trusted = false;
    this.forget();
  }

  /** A change was announced: the next request reloads. */
  forget(): void {
    this.facts = null;
  }

  private current(): Promise<ModelFacts> {
    const fresh = this.trusted && Date.now() - this.loadedAtMs < this.options.ttlMs;
    if (this.facts === null || !fresh) {
      this.loadedAtMs = Date.now();
      const loading = loadModelFacts(this.db);
      // A failed load is not kept: the next request tries again.
      loading.catch(() => {
        if (this.facts === loading) this.facts = null;
      });
      this.facts = loading;
    }
    return this.facts;
  }
}

export async function loadModelFacts(db: Db | Tx): Promise<ModelFacts> {
  const [routes, shutdowns] = await Promise.all([db.modelRoute.findMany(), db.modelShutdown.findMany()]);
  return {
    routes: new Map(routes.map((route): [ImageModel, ModelRoute] => [route.model, route])),
    announcedShutdowns: new Map(
      shutdowns.map((row): [ImageModel, string] => [row.model, row.shutdownDate.toISOString().slice(0, 10)]),
    ),
  };
}

function modelRetired(state: ModelState): DomainError {
  const details: Record<string, string> = { model: state.model };
  if (state.shutdownDate !== null) details.shutdownDate = state.shutdownDate;
  if (state.replacement !== null) details.replacement = state.replacement;
  const why =
    state.status === "SHUT_DOWN"
      ? `${state.model} was shut down on ${state.shutdownDate}`
      : `${state.model} is disabled on this server`;
  const instead = state.replacement === null ? "" : `; use ${state.replacement}`;
  return new DomainError("MODEL_RETIRED", `${why}${instead}. Nothing was held or charged`, details);
}
