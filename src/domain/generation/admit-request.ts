import type { Principal } from "../accounts/principal";
import type { ImageModel } from "../enums";
import type { FlowContext } from "./flow-context";
import type { GenerationRecord } from "./generation-record";
import type { ImageProvider } from "./image-provider";
import type { OpenedGeneration } from "./open-generation";
import { placeHold } from "./place-hold";
import { checkSameRequest, findByIdempotencyKey } from "./replay-generation";
import type { RequestKind } from "./request-kind";
import type { GenerationRequest } from "./resolve-request";

/** A request past its hold, ready to run. */
export interface HeldRequest<Request extends GenerationRequest> {
  opened: OpenedGeneration;
  request: Request;
  provider: ImageProvider;
}

/** A retry of an earlier request under the same idempotency key: its generation, as stored now. */
export interface Replay {
  earlier: GenerationRecord;
}

/** What admitRequest learns as it goes, for the outcome reported if it is refused. */
export interface AdmissionState {
  /** The model that serves it once known; the one asked for until then. */
  model: ImageModel;
  held: boolean;
  replayed: boolean;
}

/**
 * Everything before the work, in order: the request checked as the model the caller named, an idempotent retry
 * recognised, the route and retirement applied (MODEL_RETIRED), the rate limit, then the hold (credit, budgets).
 * Each refusal throws before anything is held.
 */
export async function admitRequest<Input extends { model?: ImageModel | null }, Request extends GenerationRequest>(
  flow: FlowContext,
  kind: RequestKind<Input, Request>,
  principal: Principal,
  input: Input,
  state: AdmissionState,
): Promise<HeldRequest<Request> | Replay> {
  const requested = input.model ?? flow.deps.defaultModel;
  const asRequested = kind.resolve(input, requested);
  const key = asRequested.idempotencyKey;
  if (key !== null) {
    const earlier = await findByIdempotencyKey(flow.deps.db, principal.userId, key);
    // A retry answers with the first outcome whatever the routes are now, compared as the model that served it.
    if (earlier !== null) return replayOf(kind, earlier, asRequested, state);
  }
  const request = kind.servedAs(asRequested, await flow.deps.models.serve(requested, flow.now()));
  state.model = request.model;
  await flow.deps.rateLimiter.consume(principal, request.n);
  const provider = flow.deps.providers.forModel(request.model);
  const opened = await placeHold(flow, principal, request, provider.name);
  if (opened === "DUPLICATE") {
    const earlier = await findByIdempotencyKey(flow.deps.db, principal.userId, key!);
    return replayOf(kind, earlier!, asRequested, state);
  }
  state.held = true;
  return { opened, request, provider };
}

function replayOf<Request extends GenerationRequest>(
  kind: RequestKind<never, Request>,
  earlier: GenerationRecord,
  asRequested: Request,
  state: AdmissionState,
): Replay {
  checkSameRequest(kind.sameRequest(earlier, kind.servedAs(asRequested, earlier.model)));
  state.replayed = true;
  return { earlier };
}
