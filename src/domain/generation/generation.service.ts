import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  ProviderError,
  type ImageProvider,
  type ProviderFailureKind,
  type ProviderImage,
  type ProviderResult,
} from "./image-provider";
import type { ImageStorage } from "../../storage/image-storage";
import type { Principal } from "../accounts/principal";
import type { Db } from "../db";
import type { ImageModel } from "../enums";
import { isDatabaseUnavailable } from "../database-unavailable";
import { DomainError } from "../errors";
import { releaseGenerations } from "../ledger/sweeper";
import { describeError, type Logger } from "../logger";
import { settledCharge } from "../pricing/cost";
import { mapToServingModel } from "../models/route-mapping";
import type { ImageRateLimiter } from "../rate-limit/rate-limiter";
import type { RequestScope } from "../request-scope";
import { recordCrossedThresholds } from "../budgets/alert-recording";
import { budgetUsages } from "../budgets/budget-usage";
import { NO_GENERATION_EVENTS, type GenerationEvents, type GenerationOutcome } from "./generation-events";
import type { GenerationRecord } from "./generation-record";
import type { GenerationUpdates } from "./generation-updates";
import { WITH_IMAGES } from "./generation.queries";
import { GroupCommit } from "./group-commit";
import {
  openedOrError,
  openGenerations,
  type OpenedGeneration,
  type OpenGenerationArgs,
  type OpenRow,
} from "./open-generation";
import { errorForStoredFailure, failureOf } from "./provider-failure";
import { resolveRequest, type GenerationRequest, type GenerationRequestInput } from "./resolve-request";
import { settleGenerations, type SettleArgs } from "./settle-generation";

export interface GenerationDeps {
  db: Db;
  providers: { forModel(model: ImageModel): ImageProvider };
  storage: ImageStorage;
  rateLimiter: ImageRateLimiter;
  /** Which model serves a request for a model (routes, retirements); refuses with MODEL_RETIRED. */
  models: { serve(model: ImageModel, now: Date): Promise<ImageModel> };
  defaultModel: ImageModel;
  holdTtlMs: number;
  /** Budgets' calendar periods and the spend aggregates' days are in this zone. */
  timeZone: string;
  userTag(userId: string): string;
  logger: Logger;
  /** Told of each change and partial image, for live watchers in any process (src/live); nothing by default. */
  updates?: GenerationUpdates;
  /** Told how each generation ended and how each provider call went (metrics); nothing by default. */
  events?: GenerationEvents;
  now?: () => Date;
  /** Called when a failed generation's hold could not be released (the database was away): the sweeper retries it. */
  onReleaseFailed?: (generationId: string, errorCode: string) => void;
}

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;
/**
 * Group commit of opens and of settles (./group-commit.ts): two batches of each at a time, so that a batch being
 * written never leaves the database idle; the rest wait for the next. A lost database fails every item at once.
 */
const GROUP_COMMIT = {
  maxBatch: 64,
  maxInFlight: 2,
  retryAlone: (error: unknown) => !isDatabaseUnavailable(error),
} as const;
const REPLAY_WAIT_MS = 30_000;
const REPLAY_POLL_MS = 100;

/** What generate() learns about one call as it goes, for the event it reports at the end. */
interface CallState {
  model: ImageModel;
  /** Past its hold: the end is then reported by run() or fail(), not by generate(). */
  opened: boolean;
  /** A replay of an earlier request under the same idempotency key: nothing new to report. */
  replayed: boolean;
}

/**
 * generateImage: check the request against its model's rules, hold its price, call the provider, store the images,
 * then charge what it cost. Any failure after the hold releases it: a failed request is never charged.
 */
export class GenerationService {
  private readonly now: () => Date;
  private readonly events: GenerationEvents;
  /** Ids of the generations holding credit in this process: what a shutdown releases if they outlive its grace. */
  private readonly inFlight = new Set<string>();
  /** Every generate() call in progress, from its first line (before its hold): what a shutdown waits for. */
  private readonly calls = new Set<Promise<unknown>>();
  private draining = false;
  private readonly opens: GroupCommit<OpenGenerationArgs, OpenRow>;
  private readonly settles: GroupCommit<SettleArgs, GenerationRecord | null>;

  constructor(private readonly deps: GenerationDeps) {
    this.now = deps.now ?? (() => new Date());
    this.events = deps.events ?? NO_GENERATION_EVENTS;
    this.opens = new GroupCommit((batch) => openGenerations(deps.db, batch), GROUP_COMMIT);
    this.settles = new GroupCommit((batch) => settleGenerations(deps.db, batch, deps.timeZone), GROUP_COMMIT);
  }

  /** `scope`: the request this is for (its id goes to the provider and its logger logs); a fresh one by default. */
  async generate(
    principal: Principal,
    input: GenerationRequestInput,
    scope: RequestScope = { requestId: randomUUID(), logger: this.deps.logger },
  ): Promise<GenerationRecord> {
    const state: CallState = { model: input.model ?? this.deps.defaultModel, opened: false, replayed: false };
    if (this.draining) {
      this.ended(state.model, "REFUSED", "SERVICE_UNAVAILABLE", 0n);
      throw new DomainError("SERVICE_UNAVAILABLE", "This server is shutting down; nothing was held. Try again");
    }
    const call = this.generateNow(principal, input, scope, state);
    this.calls.add(call);
    try {
      return await call;
    } catch (error) {
      if (!state.opened && !state.replayed) this.ended(state.model, "REFUSED", failureOf(error).errorCode, 0n);
      throw error;
    } finally {
      this.calls.delete(call);
    }
  }

  /** Holds in this process right now: generations between their hold and their charge or release. */
  get holdsInFlight(): number {
    return this.inFlight.size;
  }

  private async generateNow(
    principal: Principal,
    input: GenerationRequestInput,
    scope: RequestScope,
    state: CallState,
  ): Promise<GenerationRecord> {
    const requested = input.model ?? this.deps.defaultModel;
    // The caller's request, checked as the model it named (and with that model's defaults) before anything else.
    const asRequested = resolveRequest(input, requested);
    if (asRequested.idempotencyKey !== null) {
      const earlier = await this.findByIdempotencyKey(principal.userId, asRequested.idempotencyKey);
      // A retry answers with the first outcome whatever the routes are now, compared as the model that served it.
      if (earlier !== null) return this.replay(earlier, servedAs(asRequested, earlier.model), scope, state);
    }
    const request = servedAs(asRequested, await this.deps.models.serve(requested, this.now()));
    state.model = request.model;

    await this.deps.rateLimiter.consume(principal, request.n);
    const provider = this.deps.providers.forModel(request.model);
    const opened = await this.open(principal, request, provider.name);
    if (opened === "DUPLICATE") {
      const earlier = await this.findByIdempotencyKey(principal.userId, request.idempotencyKey!);
      return this.replay(earlier!, servedAs(asRequested, earlier!.model), scope, state);
    }
    state.opened = true;
    scope.generationId = opened.id;
    this.inFlight.add(opened.id);
    try {
      return await this.run(principal, request, provider, opened, scope);
    } finally {
      this.inFlight.delete(opened.id);
    }
  }

  /**
   * Refuses new generations from now on (a request that reaches the server after the signal, on a connection it
   * already had, is answered SERVICE_UNAVAILABLE before anything is held), then waits until every call in progress
   * has finished, or until `deadlineMs` passes; answers how many calls are unfinished, and the ids of those of them
   * that hold credit (the others are still before their hold; past the process's end, theirs would expire).
   */
  async drain(deadlineMs: number): Promise<{ unfinished: number; holding: string[] }> {
    this.draining = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.allSettled([...this.calls]), deadline]);
    clearTimeout(timer);
    return { unfinished: this.calls.size, holding: [...this.inFlight] };
  }

  /** Releases the holds of generations still in flight (a shutdown past its deadline): they end INTERRUPTED. */
  async interruptInFlight(): Promise<number> {
    const ids = [...this.inFlight];
    if (ids.length === 0) return 0;
    try {
      return await this.releaseAndFail(ids, "INTERRUPTED");
    } catch (error) {
      this.deps.logger.error(
        { generationIds: ids, cause: describeError(error) },
        "could not release holds at shutdown",
      );
      for (const id of ids) this.deps.onReleaseFailed?.(id, "INTERRUPTED");
      return 0;
    }
  }

  private async run(
    principal: Principal,
    request: GenerationRequest,
    provider: ImageProvider,
    opened: OpenedGeneration,
    scope: RequestScope,
  ): Promise<GenerationRecord> {
    let record: GenerationRecord;
    try {
      const result = await this.callProvider(provider, request, principal, scope);
      record = await this.complete(principal, opened, request, result);
    } catch (error) {
      return this.fail(opened.id, request.model, error, scope);
    }
    this.ended(request.model, "SUCCEEDED", null, record.costMicros);
    scope.costMicros = record.costMicros;
    return record;
  }

  /** The provider's call, timed and reported whatever its end. */
  private async callProvider(
    provider: ImageProvider,
    request: GenerationRequest,
    principal: Principal,
    scope: RequestScope,
  ): Promise<ProviderResult> {
    const startedMs = performance.now();
    const report = (failure: { kind: ProviderFailureKind; retryable: boolean } | null) =>
      this.events.providerCalled({
        provider: provider.name,
        model: request.model,
        durationMs: performance.now() - startedMs,
        failure,
      });
    try {
      const result = await provider.generate({
        model: request.model,
        prompt: request.prompt,
        n: request.n,
        width: request.width,
        height: request.height,
        quality: request.quality,
        style: request.style ?? undefined,
        moderation: request.moderation ?? undefined,
        outputFormat: request.outputFormat ?? undefined,
        outputCompression: request.outputCompression ?? undefined,
        background: request.background ?? undefined,
        userTag: this.deps.userTag(principal.userId),
        requestId: scope.requestId,
      });
      report(null);
      return result;
    } catch (error) {
      // Providers throw ProviderErrors only; anything else is a fault of ours, not one to retry.
      report(error instanceof ProviderError ? error : { kind: "UPSTREAM", retryable: false });
      throw error;
    }
  }

  private ended(model: ImageModel, outcome: GenerationOutcome, errorCode: string | null, costMicros: bigint): void {
    this.events.generationEnded({ model, outcome, errorCode, costMicros });
  }

  private async open(principal: Principal, request: GenerationRequest, provider: string) {
    const args: OpenGenerationArgs = {
      id: randomUUID(),
      userId: principal.userId,
      provider,
      request,
      now: this.now(),
      holdTtlMs: this.deps.holdTtlMs,
      timeZone: this.deps.timeZone,
    };
    try {
      return openedOrError(args, await this.opens.submit(args));
    } catch (error) {
      // The open may have committed with only its answer lost: its hold would then wait for its expiry. The
      // sweeper's retries release it once the database answers (or find nothing, if it never committed).
      if (isDatabaseUnavailable(error)) this.deps.onReleaseFailed?.(args.id, "SERVICE_UNAVAILABLE");
      throw error;
    }
  }

  /**
   * Stores the images, then settles in one statement, grouped with the settles in flight beside it. With budgets,
   * the settle runs alone in a transaction that first takes the team's lock (as the hold did) and then records the
   * alert thresholds the charge crossed: concurrent charges of a team's members then cannot each miss a crossing
   * that only their sum makes.
   */
  private async complete(
    principal: Principal,
    opened: OpenedGeneration,
    request: GenerationRequest,
    result: ProviderResult,
  ): Promise<GenerationRecord> {
    if (result.images.length !== request.n) {
      throw new DomainError(
        "UPSTREAM_ERROR",
        `The provider returned ${result.images.length} images for n=${request.n}`,
        { retryable: false },
      );
    }
    const images = await this.storeImages(opened.id, result.images, request);
    if (request.spec.billing === "TOKENS" && result.usage !== undefined && opened.tokenRates === undefined) {
      // Charged the hold: an admin's setTokenPrice fixes it for later requests.
      this.deps.logger.warn({ generationId: opened.id, model: request.model }, "no token prices in force");
    }
    const charge = settledCharge({
      spec: request.spec,
      heldMicros: opened.heldMicros,
      usage: result.usage,
      rates: opened.tokenRates,
    });
    const at = this.now();
    const settle: SettleArgs = {
      generationId: opened.id,
      ...charge,
      usage: result.usage,
      images,
      at,
    };
    const settled = !opened.budgeted
      ? await this.settles.submit(settle)
      : await this.deps.db.$transaction(async (tx) => {
          if (opened.teamBudgeted) {
            // The hold's order, user then team: the other order deadlocks against a member's concurrent hold.
            await tx.$queryRaw`SELECT id FROM users WHERE id = ${principal.userId}::uuid FOR UPDATE`;
            await tx.$queryRaw`SELECT id FROM teams WHERE id = ${opened.teamId}::uuid FOR UPDATE`;
          }
          const [generation = null] = await settleGenerations(tx, [settle], this.deps.timeZone);
          if (generation !== null) {
            const owners = { userId: principal.userId, teamId: opened.teamId };
            await recordCrossedThresholds(tx, await budgetUsages(tx, owners, at, this.deps.timeZone));
          }
          return generation;
        }, TRANSACTION_OPTIONS);
    if (settled === null) {
      throw new DomainError(
        "UPSTREAM_ERROR",
        "The generation outlived its hold and was cancelled; nothing was charged",
        { retryable: true },
      );
    }
    return settled;
  }

  private async storeImages(generationId: string, images: ProviderImage[], request: GenerationRequest) {
    const { width, height } = request;
    return Promise.all(
      images.map(async (image, index) => {
        const storageKey = await this.deps.storage.put(image.bytes, image.contentType);
        return {
          generationId,
          index,
          storageKey,
          contentType: image.contentType,
          width,
          height,
          revisedPrompt: image.revisedPrompt ?? null,
          bytes: image.bytes,
        };
      }),
    );
  }

  /**
   * Releases the hold and marks the generation FAILED, then throws the error for the caller. When there was no hold
   * left to release and the generation SUCCEEDED, the settle had committed and only its answer was lost (the
   * connection dropped in between): the caller gets the generation it was charged for, not an error.
   */
  private async fail(
    generationId: string,
    model: ImageModel,
    error: unknown,
    scope: RequestScope,
  ): Promise<GenerationRecord> {
    const { errorCode, clientError } = failureOf(error, generationId);
    const log = { generationId, errorCode, cause: describeError(error) };
    const released = await this.releaseAndFail([generationId], errorCode).catch((releaseError: unknown) => {
      // The sweeper retries the release, or the hold expires; the caller still gets the original failure.
      scope.logger.error(
        { generationId, cause: describeError(releaseError) },
        "could not release hold; retrying in the background, or it expires",
      );
      this.deps.onReleaseFailed?.(generationId, errorCode);
      return null;
    });
    if (released === 0) {
      const generation = await this.findById(generationId).catch(() => null);
      if (generation?.status === "SUCCEEDED") {
        scope.logger.warn(log, "the settle's answer was lost after it committed; answering with the generation");
        this.ended(model, "SUCCEEDED", null, generation.costMicros);
        scope.costMicros = generation.costMicros;
        return generation;
      }
    }
    this.ended(model, "FAILED", errorCode, 0n);
    if (errorCode === "INTERNAL") scope.logger.error(log, "generation failed");
    else scope.logger.warn(log, "generation failed");
    throw clientError;
  }

  /**
   * Releases the generations' holds (if still OPEN) and marks them FAILED, in one statement shared with the sweeper;
   * returns how many holds it released (a hold already settled or released is left alone).
   */
  private async releaseAndFail(generationIds: string[], errorCode: string): Promise<number> {
    const failures = generationIds.map((generationId) => ({ generationId, errorCode }));
    return (await releaseGenerations(this.deps.db, failures, { now: this.now() })).released;
  }

  private findById(id: string): Promise<GenerationRecord | null> {
    return this.deps.db.imageGeneration.findUnique({ where: { id }, include: WITH_IMAGES });
  }

  private findByIdempotencyKey(userId: string, idempotencyKey: string): Promise<GenerationRecord | null> {
    return this.deps.db.imageGeneration.findUnique({
      where: { userId_idempotencyKey: { userId, idempotencyKey } },
      include: WITH_IMAGES,
    });
  }

  /** The first outcome of an idempotent request, once it has one; a different request under the same key is refused. */
  private async replay(
    earlier: GenerationRecord,
    request: GenerationRequest,
    scope: RequestScope,
    state: CallState,
  ): Promise<GenerationRecord> {
    const same =
      earlier.requestedModel === request.requestedModel &&
      earlier.prompt === request.prompt &&
      earlier.n === request.n &&
      earlier.size === request.size &&
      earlier.width === request.width &&
      earlier.height === request.height &&
      earlier.quality === request.quality &&
      earlier.style === request.style &&
      earlier.moderation === request.moderation &&
      earlier.outputFormat === request.outputFormat &&
      earlier.outputCompression === request.outputCompression &&
      earlier.background === request.background &&
      earlier.responseFormat === request.responseFormat;
    if (!same) {
      throw new DomainError("BAD_USER_INPUT", "idempotencyKey was already used for a different request", {
        field: "input.idempotencyKey",
      });
    }
    state.replayed = true;
    scope.generationId = earlier.id;
    let current = earlier;
    const deadline = Date.now() + REPLAY_WAIT_MS;
    while (current.status === "PENDING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, REPLAY_POLL_MS));
      current = (await this.findByIdempotencyKey(current.userId, current.idempotencyKey!))!;
    }
    if (current.status === "FAILED") throw errorForStoredFailure(current.errorCode, current.id);
    if (current.status === "SUCCEEDED") scope.costMicros = current.costMicros;
    return current;
  }
}

/** A request checked as the model the caller named, as `served` takes it: mapped and checked again when a route differs. */
function servedAs(asRequested: GenerationRequest, served: ImageModel): GenerationRequest {
  if (served === asRequested.model) return asRequested;
  return resolveRequest(mapToServingModel(asRequested, served), served, asRequested.requestedModel);
}
