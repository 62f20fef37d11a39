import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { GenerationEnded, GenerationEvents, ProviderCalled } from "../domain/generation/generation-events";
import { OperationNames } from "./operation-names";
import type { RequestRecord } from "./request-record";

// Every metric imagegate exports is defined here (the gauges read at scrape time are in ./gauges.ts). The domain
// reports through GenerationEvents and knows nothing of Prometheus. Each label takes values from a fixed set (enums,
// error codes, outcomes) or from a bounded one (operation names: ./operation-names.ts), so series stay few.

/** What the rest of imagegate reports; NO_METRICS when metrics are off, so the hot path then does nothing. */
export interface Metrics extends GenerationEvents {
  /** One /graphql request ended, with this HTTP status. */
  graphqlRequestEnded(record: RequestRecord, status: number, durationMs: number): void;
  /** The server refused a connection: MAX_CONNECTIONS were open. */
  connectionDropped(): void;
}

export const NO_METRICS: Metrics = {
  generationEnded: () => undefined,
  providerCalled: () => undefined,
  graphqlRequestEnded: () => undefined,
  connectionDropped: () => undefined,
};

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
}

/** GraphQL answers take from a millisecond (a query) to minutes (a generation with the provider's retries). */
const REQUEST_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];
const PROVIDER_SECONDS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 300];

export function createPrometheusMetrics(): PrometheusMetrics {
  const registry = new Registry();
  // Process metrics, event-loop lag (nodejs_eventloop_lag_*) and GC among them, under their usual names.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const requests = new Counter({
    name: "imagegate_graphql_requests_total",
    help: "GraphQL requests by operation name (bounded: see README) and outcome (ok, or error when the answer had errors or a 4xx/5xx status)",
    labelNames: ["operation", "outcome"] as const,
    registers,
  });
  const requestSeconds = new Histogram({
    name: "imagegate_graphql_request_duration_seconds",
    help: "GraphQL requests' time from arrival to the end of the answer, by operation name",
    labelNames: ["operation"] as const,
    buckets: REQUEST_SECONDS,
    registers,
  });
  const generations = new Counter({
    name: "imagegate_generations_total",
    help: "generateImage calls by serving model, status (SUCCEEDED, FAILED after the hold, REFUSED before it) and error code; replays not counted",
    labelNames: ["model", "status", "error_code"] as const,
    registers,
  });
  const charged = new Counter({
    name: "imagegate_charged_microdollars_total",
    help: "Money charged for generations, in micro-dollars (1,000,000 = 1 USD), by serving model",
    labelNames: ["model"] as const,
    registers,
  });
  const providerSeconds = new Histogram({
    name: "imagegate_provider_request_duration_seconds",
    help: "Provider calls' duration, the client's own retries included, by provider, model and outcome (ok or error)",
    labelNames: ["provider", "model", "outcome"] as const,
    buckets: PROVIDER_SECONDS,
    registers,
  });
  const providerErrors = new Counter({
    name: "imagegate_provider_errors_total",
    help: "Failed provider calls by provider, model, kind (CONTENT_POLICY or UPSTREAM) and whether retryable",
    labelNames: ["provider", "model", "kind", "retryable"] as const,
    registers,
  });
  const dropped = new Counter({
    name: "imagegate_http_connections_dropped_total",
    help: "Connections refused because MAX_CONNECTIONS were open",
    registers,
  });
  const operationNames = new OperationNames();

  return {
    registry,
    graphqlRequestEnded(record: RequestRecord, status: number, durationMs: number): void {
      const mayAdd = record.principalId !== undefined && record.operationResolved === true;
      const operation = operationNames.label(record.operationName, mayAdd);
      const failed = status >= 400 || (record.errorCodes !== undefined && record.errorCodes.length > 0);
      requests.inc({ operation, outcome: failed ? "error" : "ok" });
      requestSeconds.observe({ operation }, durationMs / 1000);
    },
    connectionDropped: () => dropped.inc(),
    generationEnded(event: GenerationEnded): void {
      generations.inc({ model: event.model, status: event.outcome, error_code: event.errorCode ?? "none" });
      // Micro-dollars stay exact in a float64 counter up to 2^53 (about 9 billion dollars).
      if (event.costMicros > 0n) charged.inc({ model: event.model }, Number(event.costMicros));
    },
    providerCalled(event: ProviderCalled): void {
      const { provider, model, failure } = event;
      providerSeconds.observe({ provider, model, outcome: failure === null ? "ok" : "error" }, event.durationMs / 1000);
      if (failure !== null) {
        providerErrors.inc({ provider, model, kind: failure.kind, retryable: String(failure.retryable) });
      }
    },
  };
}
