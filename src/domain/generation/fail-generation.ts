import type { ImageModel } from "../enums";
import { releaseGenerations } from "../ledger/sweeper";
import { describeError } from "../logger";
import type { RequestScope } from "../request-scope";
import type { FlowContext } from "./flow-context";
import type { GenerationRecord } from "./generation-record";
import { WITH_IMAGES } from "./generation.queries";
import { failureOf } from "./provider-failure";

/**
 * Releases the hold and marks the generation FAILED, then throws the error for the caller. When there was no hold
 * left to release and the generation SUCCEEDED, the settle had committed and only its answer was lost (the
 * connection dropped in between): the caller gets the generation it was charged for, not an error.
 */
export async function failGeneration(
  flow: FlowContext,
  generationId: string,
  model: ImageModel,
  error: unknown,
  scope: RequestScope,
): Promise<GenerationRecord> {
  const { errorCode, clientError } = failureOf(error, generationId);
  const log = { generationId, errorCode, cause: describeError(error) };
  const released = await releaseAndFail(flow, [generationId], errorCode).catch((releaseError: unknown) => {
    // The sweeper retries the release, or the hold expires; the caller still gets the original failure.
    scope.logger.error(
      { generationId, cause: describeError(releaseError) },
      "could not release hold; retrying in the background, or it expires",
    );
    flow.deps.onReleaseFailed?.(generationId, errorCode);
    return null;
  });
  if (released === 0) {
    const generation = await flow.deps.db.imageGeneration
      .findUnique({ where: { id: generationId }, include: WITH_IMAGES })
      .catch(() => null);
    if (generation?.status === "SUCCEEDED") {
      scope.logger.warn(log, "the settle's answer was lost after it committed; answering with the generation");
      flow.ended(model, "SUCCEEDED", null, generation.costMicros);
      scope.costMicros = generation.costMicros;
      return generation;
    }
  }
  flow.ended(model, "FAILED", errorCode, 0n);
  if (errorCode === "INTERNAL") scope.logger.error(log, "generation failed");
  else scope.logger.warn(log, "generation failed");
  throw clientError;
}

/** Releases the holds of generations still in flight (a shutdown past its deadline): they end INTERRUPTED. */
export async function interruptInFlight(flow: FlowContext): Promise<number> {
  const ids = flow.inFlight.holdIds;
  if (ids.length === 0) return 0;
  try {
    return await releaseAndFail(flow, ids, "INTERRUPTED");
  } catch (error) {
    flow.deps.logger.error({ generationIds: ids, cause: describeError(error) }, "could not release holds at shutdown");
    for (const id of ids) flow.deps.onReleaseFailed?.(id, "INTERRUPTED");
    return 0;
  }
}

/**
 * Releases the generations' holds (if still OPEN) and marks them FAILED, in one statement shared with the sweeper;
 * returns how many holds it released (a hold already settled or released is left alone).
 */
async function releaseAndFail(flow: FlowContext, generationIds: string[], errorCode: string): Promise<number> {
  const failures = generationIds.map((generationId) => ({ generationId, errorCode }));
  return (await releaseGenerations(flow.deps.db, failures, { now: flow.now() })).released;
}
