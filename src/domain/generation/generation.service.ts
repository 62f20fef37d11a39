import { randomUUID } from "node:crypto";
import type { ImageProvider, ProviderImage, ProviderResult } from "../../providers/provider";
import { imageKey, type ImageStorage } from "../../storage/image-storage";
import type { Principal } from "../accounts/principal";
import { resolveRequest, sizeDimensions, type GenerationRequest, type GenerationRequestInput } from "../catalog";
import type { Db, Tx } from "../db";
import type { ImageModel } from "../enums";
import { DomainError } from "../errors";
import { placeHold, releaseHold, settleHold } from "../ledger/holds";
import { describeError, type Logger } from "../logger";
import { holdMicros, settledCostMicros } from "../pricing/cost";
import { priceInForce, tokenRatesInForce } from "../pricing/price-book";
import type { ImageRateLimiter } from "../rate-limit/rate-limiter";
import { recordCrossedThresholds } from "../budgets/alert-recording";
import { lockAccountAndCheckBudgets } from "../budgets/budget-guard";
import { budgetUsages, type BudgetUsage } from "../budgets/budget-usage";
import type { GenerationRecord } from "./generation-record";
import { errorForStoredFailure, failureOf } from "./provider-failure";

export interface GenerationDeps {
  db: Db;
  providers: { forModel(model: ImageModel): ImageProvider };
  storage: ImageStorage;
  rateLimiter: ImageRateLimiter;
  defaultModel: ImageModel;
  holdTtlMs: number;
  /** Budgets' calendar periods and the spend aggregates' days are in this zone. */
  timeZone: string;
  userTag(userId: string): string;
  logger: Logger;
  now?: () => Date;
}

interface OpenedGeneration {
  id: string;
  createdAt: Date;
  heldMicros: bigint;
  teamId: string | null;
  /** Whether any budget applied: only then can a charge cross an alert threshold. */
  budgeted: boolean;
}

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;
const REPLAY_WAIT_MS = 30_000;
const REPLAY_POLL_MS = 100;

/**
 * generateImage: check the request against its model's rules, hold its price, call the provider, store the images,
 * then charge what it cost. Any failure after the hold releases it: a failed request is never charged.
 */
export class GenerationService {
  private readonly now: () => Date;
  /** Generations holding credit in this process, by id: what a shutdown waits for, or releases. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: GenerationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async generate(principal: Principal, input: GenerationRequestInput): Promise<GenerationRecord> {
    const request = resolveRequest(input, this.deps.defaultModel);
    if (request.idempotencyKey !== null) {
      const earlier = await this.findByIdempotencyKey(principal.userId, request.idempotencyKey);
      if (earlier !== null) return this.replay(earlier, request);
    }

    await this.deps.rateLimiter.consume(principal, request.n);
    const provider = this.deps.providers.forModel(request.model);
    const opened = await this.open(principal, request, provider.name);
    if (opened === "DUPLICATE") {
      const earlier = await this.findByIdempotencyKey(principal.userId, request.idempotencyKey!);
      return this.replay(earlier!, request);
    }
    const outcome = this.run(principal, request, provider, opened);
    this.inFlight.set(opened.id, outcome);
    try {
      return await outcome;
    } finally {
      this.inFlight.delete(opened.id);
    }
  }

  /** Waits until nothing is in flight, or until `deadlineMs` passes; returns the ids still running. */
  async drain(deadlineMs: number): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), deadline]);
    clearTimeout(timer);
    return [...this.inFlight.keys()];
  }

  /** Releases the holds of generations still in flight (a shutdown past its deadline): they end INTERRUPTED. */
  async interruptInFlight(): Promise<number> {
    let released = 0;
    for (const id of this.inFlight.keys()) {
      if (await this.releaseAndFail(id, "INTERRUPTED")) released++;
    }
    return released;
  }

  private async run(
    principal: Principal,
    request: GenerationRequest,
    provider: ImageProvider,
    opened: OpenedGeneration,
  ): Promise<GenerationRecord> {
    try {
      const result = await provider.generate({
        model: request.model,
        prompt: request.prompt,
        n: request.n,
        ...sizeDimensions(request.size),
        quality: request.quality,
        style: request.style ?? undefined,
        moderation: request.moderation ?? undefined,
        userTag: this.deps.userTag(principal.userId),
      });
      return await this.complete(principal, opened, request, result);
    } catch (error) {
      throw await this.fail(opened.id, error);
    }
  }

  /**
   * Records the PENDING generation and holds its price, after checking the caller's budgets under its account lock,
   * in one transaction; "DUPLICATE" if its idempotency key is taken.
   */
  private async open(
    principal: Principal,
    request: GenerationRequest,
    providerName: string,
  ): Promise<OpenedGeneration | "DUPLICATE"> {
    const id = randomUUID();
    const now = this.now();
    return this.deps.db.$transaction(async (tx) => {
      const price = await priceInForce(tx, request, now);
      const heldMicros = holdMicros(price.perImageMicros, request.n);
      const account = await lockAccountAndCheckBudgets(tx, {
        userId: principal.userId,
        holdMicros: heldMicros,
        at: now,
        timeZone: this.deps.timeZone,
      });
      const inserted = await tx.$executeRaw`
        INSERT INTO image_generations (id, user_id, status, provider, model, size, quality, style, n, prompt,
                                       response_format, moderation, idempotency_key, price_id, per_image_micros,
                                       hold_micros, team_id, created_at)
        VALUES (${id}::uuid, ${principal.userId}::uuid, 'PENDING', ${providerName}, ${request.model}::"ImageModel",
                ${request.size}::"ImageSize", ${request.quality}::"ImageQuality", ${request.style}::"ImageStyle",
                ${request.n}, ${request.prompt}, ${request.responseFormat}, ${request.moderation},
                ${request.idempotencyKey}, ${price.id}::uuid, ${price.perImageMicros}, ${heldMicros}, ${account.teamId}::uuid, ${now})
        ON CONFLICT (user_id, idempotency_key) DO NOTHING`;
      if (inserted === 0) return "DUPLICATE" as const;
      await placeHold(tx, {
        userId: principal.userId,
        teamId: account.teamId,
        generationId: id,
        amountMicros: heldMicros,
        expiresAt: new Date(now.getTime() + this.deps.holdTtlMs),
      });
      return { id, createdAt: now, heldMicros, teamId: account.teamId, budgeted: account.budgets.length > 0 };
    }, TRANSACTION_OPTIONS);
  }

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
      );
    }
    const images = await this.storeImages(opened.id, result.images, request);
    // GPT image models settle from the tokens the provider reports, at the token prices in force for the request.
    const rates =
      result.usage === undefined ? undefined : await tokenRatesInForce(this.deps.db, request.model, opened.createdAt);
    const costMicros = settledCostMicros({
      spec: request.spec,
      heldMicros: opened.heldMicros,
      usage: result.usage,
      rates,
    });

    return this.deps.db.$transaction(async (tx) => {
      await tx.generatedImage.createMany({ data: images });
      const settledAt = this.now();
      const settled = await settleHold(tx, {
        generationId: opened.id,
        costMicros,
        at: settledAt,
        timeZone: this.deps.timeZone,
      });
      if (!settled) {
        throw new DomainError("UPSTREAM_ERROR", "The generation outlived its hold and was cancelled; nothing was charged");
      }
      if (opened.budgeted) await this.recordBudgetAlerts(tx, principal.userId, opened.teamId, settledAt);
      return tx.imageGeneration.update({
        where: { id: opened.id },
        data: {
          status: "SUCCEEDED",
          costMicros,
          completedAt: this.now(),
          inputTextTokens: result.usage?.inputTextTokens,
          inputImageTokens: result.usage?.inputImageTokens,
          outputTokens: result.usage?.outputTokens,
        },
        include: { images: { orderBy: { index: "asc" } } },
      });
    }, TRANSACTION_OPTIONS);
  }

  private async recordBudgetAlerts(tx: Tx, userId: string, teamId: string | null, at: Date): Promise<void> {
    const budgets: BudgetUsage[] = await budgetUsages(tx, { userId, teamId }, at, this.deps.timeZone);
    await recordCrossedThresholds(tx, budgets);
  }

  private async storeImages(generationId: string, images: ProviderImage[], request: GenerationRequest) {
    const { width, height } = sizeDimensions(request.size);
    return Promise.all(
      images.map(async (image, index) => {
        const storageKey = imageKey(generationId, index, image.contentType);
        await this.deps.storage.put(storageKey, image.bytes);
        return {
          generationId,
          index,
          storageKey,
          contentType: image.contentType,
          width,
          height,
          revisedPrompt: image.revisedPrompt ?? null,
        };
      }),
    );
  }

  /** Releases the hold and marks the generation FAILED; returns the error for the caller. */
  private async fail(generationId: string, error: unknown): Promise<unknown> {
    const { errorCode, clientError } = failureOf(error);
    const log = { generationId, errorCode, cause: describeError(error) };
    if (errorCode === "INTERNAL") this.deps.logger.error(log, "generation failed");
    else this.deps.logger.warn(log, "generation failed");
    try {
      await this.releaseAndFail(generationId, errorCode);
    } catch (releaseError) {
      // The hold expires and the sweeper releases it; the caller still gets the original failure.
      this.deps.logger.error(
        { generationId, cause: describeError(releaseError) },
        "could not release hold; it will be released when it expires",
      );
    }
    return clientError;
  }

  /** Releases a generation's hold and marks it FAILED, once; false when it was already resolved. */
  private async releaseAndFail(generationId: string, errorCode: string): Promise<boolean> {
    return this.deps.db.$transaction(async (tx) => {
      const released = await releaseHold(tx, generationId);
      await tx.imageGeneration.updateMany({
        where: { id: generationId, status: "PENDING" },
        data: { status: "FAILED", errorCode, completedAt: this.now() },
      });
      return released;
    }, TRANSACTION_OPTIONS);
  }

  private findByIdempotencyKey(userId: string, idempotencyKey: string): Promise<GenerationRecord | null> {
    return this.deps.db.imageGeneration.findUnique({
      where: { userId_idempotencyKey: { userId, idempotencyKey } },
      include: { images: { orderBy: { index: "asc" } } },
    });
  }

  /** The first outcome of an idempotent request, once it has one; a different request under the same key is refused. */
  private async replay(earlier: GenerationRecord, request: GenerationRequest): Promise<GenerationRecord> {
    const same =
      earlier.model === request.model &&
      earlier.prompt === request.prompt &&
      earlier.n === request.n &&
      earlier.size === request.size &&
      earlier.quality === request.quality &&
      earlier.style === request.style;
    if (!same) {
      throw new DomainError("BAD_USER_INPUT", "idempotencyKey was already used for a different request", {
        field: "input.idempotencyKey",
      });
    }
    let current = earlier;
    const deadline = Date.now() + REPLAY_WAIT_MS;
    while (current.status === "PENDING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, REPLAY_POLL_MS));
      current = (await this.findByIdempotencyKey(current.userId, current.idempotencyKey!))!;
    }
    if (current.status === "FAILED") throw errorForStoredFailure(current.errorCode);
    return current;
  }
}
