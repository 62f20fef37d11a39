import { isDatabaseUnavailable } from "../database-unavailable";
import type { ImageModel } from "../enums";
import { describeError } from "../logger";
import type { GenerationDeps } from "./generation-deps";
import { NO_GENERATION_EVENTS, type GenerationEvents, type GenerationOutcome } from "./generation-events";
import type { GenerationRecord } from "./generation-record";
import { NO_GENERATION_UPDATES, type GenerationUpdates, type PartialImageUpdate } from "./generation-updates";
import { GroupCommit } from "./group-commit";
import { InFlight } from "./in-flight";
import { openGenerations, type OpenGenerationArgs, type OpenRow } from "./open-generation";
import { settleGenerations, type SettleArgs } from "./settle-generation";

/**
 * Group commit of opens and of settles (./group-commit.ts): two batches of each at a time, so that a batch being
 * written never leaves the database idle; the rest wait for the next. A lost database fails every item at once.
 */
const GROUP_COMMIT = {
  maxBatch: 64,
  maxInFlight: 2,
  retryAlone: (error: unknown) => !isDatabaseUnavailable(error),
} as const;

/** What every step of the flow shares: the dependencies, with their defaults, and the process's own state. */
export interface FlowContext {
  deps: GenerationDeps;
  now(): Date;
  events: GenerationEvents;
  inFlight: InFlight;
  opens: GroupCommit<OpenGenerationArgs, OpenRow>;
  settles: GroupCommit<SettleArgs, GenerationRecord | null>;
  /** Reports how a generation ended (metrics). */
  ended(model: ImageModel, outcome: GenerationOutcome, errorCode: string | null, costMicros: bigint): void;
  /** Tells live watchers; never throws, never waits. */
  announce: {
    changed(generationId: string): void;
    partialImage(generationId: string, partial: PartialImageUpdate): void;
  };
}

export function createFlowContext(deps: GenerationDeps): FlowContext {
  const events = deps.events ?? NO_GENERATION_EVENTS;
  return {
    deps,
    now: deps.now ?? (() => new Date()),
    events,
    inFlight: new InFlight(),
    opens: new GroupCommit((batch) => openGenerations(deps.db, batch), GROUP_COMMIT),
    settles: new GroupCommit((batch) => settleGenerations(deps.db, batch, deps.timeZone), GROUP_COMMIT),
    ended: (model, outcome, errorCode, costMicros) => events.generationEnded({ model, outcome, errorCode, costMicros }),
    announce: announcer(deps.updates ?? NO_GENERATION_UPDATES, deps),
  };
}

/**
 * The updates port, called so that a watcher can never fail or hold up a generation: not awaited, and whatever it
 * throws (at once or later) is logged and dropped. Watchers re-read the stored generation, which is the truth.
 */
function announcer(updates: GenerationUpdates, deps: GenerationDeps): FlowContext["announce"] {
  const dropped = (generationId: string, error: unknown) =>
    deps.logger.warn({ generationId, cause: describeError(error) }, "could not announce a generation update");
  const send = (generationId: string, call: () => Promise<void>) => {
    try {
      call().catch((error: unknown) => dropped(generationId, error));
    } catch (error) {
      dropped(generationId, error);
    }
  };
  return {
    changed: (generationId) => send(generationId, () => updates.changed(generationId)),
    partialImage: (generationId, partial) => send(generationId, () => updates.partialImage(generationId, partial)),
  };
}
