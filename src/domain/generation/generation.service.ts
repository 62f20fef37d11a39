import { randomUUID } from "node:crypto";
import type { Principal } from "../accounts/principal";
import type { ImageModel } from "../enums";
import type { RequestScope } from "../request-scope";
import { interruptInFlight } from "./fail-generation";
import { createFlowContext, type FlowContext } from "./flow-context";
import { GENERATE_IMAGE } from "./generate-image.kind";
import type { GenerationDeps } from "./generation-deps";
import type { GenerationRecord } from "./generation-record";
import type { RequestKind } from "./request-kind";
import type { GenerationRequest, GenerationRequestInput } from "./resolve-request";
import { runToEnd, startRun } from "./run-generation";

export type { GenerationDeps } from "./generation-deps";

/**
 * The generation flow's entry points, for the API and the shutdown: each verb is a module of its own
 * (./run-generation.ts and the steps it calls); this keeps the process's shared state (group commits, what is in
 * flight) in one place.
 */
export class GenerationService {
  private readonly flow: FlowContext;

  constructor(deps: GenerationDeps) {
    this.flow = createFlowContext(deps);
  }

  /** generateImage. `scope`: the request this is for (its id goes to the provider and its logger logs). */
  generate(principal: Principal, input: GenerationRequestInput, scope?: RequestScope): Promise<GenerationRecord> {
    return this.run(GENERATE_IMAGE, principal, input, scope);
  }

  /** startImageGeneration: the PENDING generation once its price is held; the rest runs on in this process. */
  start(principal: Principal, input: GenerationRequestInput, scope?: RequestScope): Promise<GenerationRecord> {
    return this.runInBackground(GENERATE_IMAGE, principal, input, scope);
  }

  /** Any kind of request, answered at its end. */
  run<Input extends { model?: ImageModel | null }, Request extends GenerationRequest>(
    kind: RequestKind<Input, Request>,
    principal: Principal,
    input: Input,
    scope: RequestScope = this.freshScope(),
  ): Promise<GenerationRecord> {
    return runToEnd(this.flow, kind, principal, input, scope);
  }

  /** Any kind of request, answered once held. */
  runInBackground<Input extends { model?: ImageModel | null }, Request extends GenerationRequest>(
    kind: RequestKind<Input, Request>,
    principal: Principal,
    input: Input,
    scope: RequestScope = this.freshScope(),
  ): Promise<GenerationRecord> {
    return startRun(this.flow, kind, principal, input, scope);
  }

  /** Holds in this process right now: generations between their hold and their charge or release. */
  get holdsInFlight(): number {
    return this.flow.inFlight.holdCount;
  }

  /** Started runs this process carries right now (at most maxBackgroundRuns). */
  get backgroundRuns(): number {
    return this.flow.inFlight.backgroundRunCount;
  }

  /**
   * Refuses new generations from now on (a request that reaches the server after the signal, on a connection it
   * already had, is answered SERVICE_UNAVAILABLE before anything is held), then waits until every call in progress
   * (those started in the background included) has finished, or until `deadlineMs` passes; answers how many calls
   * are unfinished, and the ids of those of them that hold credit (the others are still before their hold; past the
   * process's end, theirs would expire).
   */
  drain(deadlineMs: number): Promise<{ unfinished: number; holding: string[] }> {
    return this.flow.inFlight.drain(deadlineMs);
  }

  /** Releases the holds of generations still in flight (a shutdown past its deadline): they end INTERRUPTED. */
  interruptInFlight(): Promise<number> {
    return interruptInFlight(this.flow);
  }

  private freshScope(): RequestScope {
    return { requestId: randomUUID(), logger: this.flow.deps.logger };
  }
}
