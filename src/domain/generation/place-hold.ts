import { randomUUID } from "node:crypto";
import type { Principal } from "../accounts/principal";
import { isDatabaseUnavailable } from "../database-unavailable";
import type { ProviderName } from "../enums";
import type { FlowContext } from "./flow-context";
import { openedOrError, type OpenedGeneration, type OpenGenerationArgs } from "./open-generation";
import type { GenerationRequest } from "./resolve-request";

/**
 * Records the PENDING generation and holds its price (grouped with the opens in flight beside it): the held
 * generation, "DUPLICATE" when its idempotency key was taken meanwhile, or the refusal (credit, budget, price).
 */
export async function placeHold(
  flow: FlowContext,
  principal: Principal,
  request: GenerationRequest,
  provider: ProviderName,
): Promise<OpenedGeneration | "DUPLICATE"> {
  const args: OpenGenerationArgs = {
    id: randomUUID(),
    userId: principal.userId,
    provider,
    request,
    now: flow.now(),
    holdTtlMs: flow.deps.holdTtlMs,
    timeZone: flow.deps.timeZone,
  };
  try {
    return openedOrError(args, await flow.opens.submit(args));
  } catch (error) {
    // The open may have committed with only its answer lost: its hold would then wait for its expiry. The
    // sweeper's retries release it once the database answers (or find nothing, if it never committed).
    if (isDatabaseUnavailable(error)) flow.deps.onReleaseFailed?.(args.id, "SERVICE_UNAVAILABLE");
    throw error;
  }
}
