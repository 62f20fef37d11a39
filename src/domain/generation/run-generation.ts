import type { Principal } from "../accounts/principal";
import type { ImageModel } from "../enums";
import type { RequestScope } from "../request-scope";
import { admitRequest, type AdmissionState, type HeldRequest } from "./admit-request";
import { callProvider } from "./call-provider";
import { completeGeneration } from "./complete-generation";
import { failGeneration } from "./fail-generation";
import type { FlowContext } from "./flow-context";
import type { GenerationRecord } from "./generation-record";
import { WITH_IMAGES } from "./generation.queries";
import { failureOf } from "./provider-failure";
import { replayOutcome } from "./replay-generation";
import type { RequestKind } from "./request-kind";
import type { GenerationRequest } from "./resolve-request";

type Kind<Input extends { model?: ImageModel | null }, Request extends GenerationRequest> = RequestKind<Input, Request>;

/**
 * The whole flow, answered at its end: check, hold, call the provider, store the images, charge. Any failure after
 * the hold releases it (a failed request is never charged) and is thrown; a retry under an idempotency key answers
 * with the first outcome.
 */
export function runToEnd<Input extends { model?: ImageModel | null }, Request extends GenerationRequest>(
  flow: FlowContext,
  kind: Kind<Input, Request>,
  principal: Principal,
  input: Input,
  scope: RequestScope,
): Promise<GenerationRecord> {
  return admitted(flow, input, async (state) => {
    const admission = await admitRequest(flow, kind, principal, input, state);
    if ("earlier" in admission) return replayOutcome(flow.deps.db, admission.earlier, scope);
    return runHeld(flow, kind, principal.userId, admission, scope, false);
  });
}

/**
 * The same flow, answered as soon as the hold is placed, with the PENDING generation: the rest runs on, whatever
 * the caller does, tracked like any call for a shutdown; its failure is stored on the generation (FAILED, its
 * errorCode) and its hold released. A retry under an idempotency key answers with that generation as it is now.
 */
export function startRun<Input extends { model?: ImageModel | null }, Request extends GenerationRequest>(
  flow: FlowContext,
  kind: Kind<Input, Request>,
  principal: Principal,
  input: Input,
  scope: RequestScope,
): Promise<GenerationRecord> {
  return admitted(flow, input, async (state) => {
    const release = flow.inFlight.reserveBackgroundRun(flow.deps.maxBackgroundRuns);
    const admission = await admitRequest(flow, kind, principal, input, state).catch((error: unknown) => {
      release();
      throw error;
    });
    if ("earlier" in admission) {
      release();
      scope.generationId = admission.earlier.id;
      return admission.earlier;
    }
    const { id } = admission.opened;
    try {
      // Read before the work starts, so that the answer is the generation as opened.
      return await flow.deps.db.imageGeneration.findUniqueOrThrow({ where: { id }, include: WITH_IMAGES });
    } finally {
      // Its failure is on the generation and in the log (failGeneration): nobody is left to throw it to.
      const run = runHeld(flow, kind, principal.userId, admission, scope, true).finally(release);
      flow.inFlight.track(run).catch(() => undefined);
    }
  });
}

/**
 * Runs `work` as a call a shutdown waits for (refused once draining), and reports a refusal before the hold
 * (metrics); past the hold, the run reports its own end, and a replay reports nothing new.
 */
async function admitted<T>(
  flow: FlowContext,
  input: { model?: ImageModel | null },
  work: (state: AdmissionState) => Promise<T>,
): Promise<T> {
  const state: AdmissionState = { model: input.model ?? flow.deps.defaultModel, held: false, replayed: false };
  try {
    flow.inFlight.refuseIfDraining();
    return await flow.inFlight.track(work(state));
  } catch (error) {
    if (!state.held && !state.replayed) flow.ended(state.model, "REFUSED", failureOf(error).errorCode, 0n);
    throw error;
  }
}

/**
 * After the hold: the provider's call, then the charge, or the release. Watchers hear of partial images, and of a
 * started run's start and end (`announced`). A synchronous caller has its answer in the response, so its changes cost
 * no announcement (two round trips on the hot path); whoever watches one hears its end from the final-state backstop.
 */
function runHeld<Request extends GenerationRequest>(
  flow: FlowContext,
  kind: RequestKind<never, Request>,
  userId: string,
  { opened, request, provider }: HeldRequest<Request>,
  scope: RequestScope,
  announced: boolean,
): Promise<GenerationRecord> {
  scope.generationId = opened.id;
  if (announced) flow.announce.changed(opened.id);
  return flow.inFlight.holding(opened.id, async () => {
    try {
      let record: GenerationRecord;
      try {
        const result = await callProvider(flow, kind, provider, request, {
          generationId: opened.id,
          userTag: flow.deps.userTag(userId),
          requestId: scope.requestId,
          onPartialImage: (partial) => flow.announce.partialImage(opened.id, partial),
        });
        record = await completeGeneration(flow, kind, userId, opened, request, result);
      } catch (error) {
        return await failGeneration(flow, opened.id, request.model, error, scope);
      }
      flow.ended(request.model, "SUCCEEDED", null, record.costMicros);
      scope.costMicros = record.costMicros;
      return record;
    } finally {
      if (announced) flow.announce.changed(opened.id);
    }
  });
}
