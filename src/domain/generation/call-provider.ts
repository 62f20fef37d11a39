import { performance } from "node:perf_hooks";
import type { FlowContext } from "./flow-context";
import { ProviderError, type ImageProvider, type ProviderFailureKind, type ProviderResult } from "./image-provider";
import type { ProviderCallContext, RequestKind } from "./request-kind";
import type { GenerationRequest } from "./resolve-request";

/** The kind's provider call, timed and reported (metrics) whatever its end. */
export async function callProvider<Request extends GenerationRequest>(
  flow: FlowContext,
  kind: RequestKind<never, Request>,
  provider: ImageProvider,
  request: Request,
  context: ProviderCallContext,
): Promise<ProviderResult> {
  const startedMs = performance.now();
  const report = (failure: { kind: ProviderFailureKind; retryable: boolean } | null) =>
    flow.events.providerCalled({
      provider: provider.name,
      model: request.model,
      durationMs: performance.now() - startedMs,
      failure,
    });
  try {
    const result = await kind.callProvider(provider, request, context);
    report(null);
    return result;
  } catch (error) {
    // Providers throw ProviderErrors only; anything else is a fault of ours, not one to retry.
    report(error instanceof ProviderError ? error : { kind: "UPSTREAM", retryable: false });
    throw error;
  }
}
