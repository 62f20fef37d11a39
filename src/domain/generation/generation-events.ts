import type { ImageModel, ProviderName } from "../enums";
import type { ProviderFailureKind } from "./image-provider";

// What the generation flow reports as it runs, for whoever counts (src/observability implements it with Prometheus
// metrics). The flow owns this port, so it depends on no metrics library. Implementations must be cheap and must not
// throw: they run on the hot path.

/** SUCCEEDED: charged; FAILED: failed after its hold, released; REFUSED: refused before anything was held. */
export type GenerationOutcome = "SUCCEEDED" | "FAILED" | "REFUSED";

export interface GenerationEnded {
  /** The model that served it (a route may differ from the one asked for); the one asked for when refused early. */
  model: ImageModel;
  outcome: GenerationOutcome;
  /** The code the caller saw (as stored on a FAILED generation); null when it succeeded. */
  errorCode: string | null;
  /** What was charged: 0 unless it succeeded. */
  costMicros: bigint;
}

export interface ProviderCalled {
  provider: ProviderName;
  model: ImageModel;
  /** The whole call, the provider client's own retries included. */
  durationMs: number;
  /** Null when the provider answered with images. */
  failure: { kind: ProviderFailureKind; retryable: boolean } | null;
}

export interface GenerationEvents {
  /** Once per generate call that was not a replay of an earlier idempotent request. */
  generationEnded(event: GenerationEnded): void;
  providerCalled(event: ProviderCalled): void;
}

export const NO_GENERATION_EVENTS: GenerationEvents = {
  generationEnded: () => undefined,
  providerCalled: () => undefined,
};
