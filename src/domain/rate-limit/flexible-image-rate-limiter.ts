import { RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Principal } from "../accounts/principal";
import { DomainError } from "../errors";
import { describeError, type Logger } from "../logger";
import { effectiveImagesPerMinute, type ImageRateLimiter } from "./rate-limiter";

/** Where the counters live (PostgreSQL or Redis): one rate-limiter-flexible limiter per limit value. */
export interface CounterStore {
  readonly name: "postgres" | "redis";
  /**
   * A limiter that allows `points` per window. Every limiter of a store counts under the same key (the user's id),
   * so a changed limit applies at once to the images already counted in the current window.
   */
  limiter(points: number): RateLimiterAbstract;
  close(): Promise<void>;
}

/**
 * A refused request gives its images back, unless its window is about to end: a give-back that lands after the
 * window reset would open the next window below zero. Inside this margin the refused images count until the reset.
 */
const GIVE_BACK_MARGIN_MS = 1_000;
/** While the store is down every request would warn; once per this interval is enough to notice. */
const STORE_WARNING_INTERVAL_MS = 10_000;

/**
 * Images per minute per user with rate-limiter-flexible: points are images, the key is the user's id.
 * Fails open: when the store cannot be reached the request is allowed and a warning logged, because credits and
 * budgets still bound what anyone can spend, and the limit must not become a second way to take the API down.
 */
export class FlexibleImageRateLimiter implements ImageRateLimiter {
  private readonly limiters = new Map<number, RateLimiterAbstract>();
  private lastWarningAtMs = Number.NEGATIVE_INFINITY;
  private suppressedWarnings = 0;

  constructor(
    private readonly store: CounterStore,
    private readonly options: { defaultPerMinute: number | null | undefined; windowSeconds: number; logger: Logger },
  ) {}

  async consume(principal: Principal, images: number): Promise<void> {
    if (!Number.isInteger(images) || images < 1) throw new RangeError(`images must be a positive integer: ${images}`);
    const limit = effectiveImagesPerMinute(principal.rateLimitPerMinute, this.options.defaultPerMinute);
    if (limit === null) return;
    if (images > limit) {
      throw new DomainError(
        "RATE_LIMITED",
        `n=${images} is more than this user's limit of ${limit} images per minute; ask for at most ${limit}`,
        { retryAfterSeconds: this.options.windowSeconds, imagesPerMinute: limit },
      );
    }
    const limiter = this.limiterFor(limit);
    let refusal: RateLimiterRes;
    try {
      await limiter.consume(principal.userId, images);
      return;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) return this.warnStoreFailure(error);
      refusal = error;
    }
    await this.giveBack(limiter, principal.userId, images, refusal);
    const retryAfterSeconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
    throw new DomainError(
      "RATE_LIMITED",
      `Rate limit of ${limit} images per minute reached; try again in ${retryAfterSeconds} s`,
      { retryAfterSeconds, imagesPerMinute: limit },
    );
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private limiterFor(limit: number): RateLimiterAbstract {
    let limiter = this.limiters.get(limit);
    if (limiter === undefined) {
      limiter = this.store.limiter(limit);
      this.limiters.set(limit, limiter);
    }
    return limiter;
  }

  /** The library counts refused points too; a refused request must count nothing, so it hands its images back. */
  private async giveBack(limiter: RateLimiterAbstract, key: string, images: number, refusal: RateLimiterRes) {
    if (refusal.msBeforeNext < GIVE_BACK_MARGIN_MS) return;
    try {
      await limiter.reward(key, images);
    } catch (error) {
      this.warnStoreFailure(error);
    }
  }

  private warnStoreFailure(error: unknown): void {
    const nowMs = Date.now();
    if (nowMs - this.lastWarningAtMs < STORE_WARNING_INTERVAL_MS) {
      this.suppressedWarnings++;
      return;
    }
    this.options.logger.warn(
      { store: this.store.name, cause: describeError(error), suppressedWarnings: this.suppressedWarnings },
      "rate-limit store unavailable; allowing the request (fail open)",
    );
    this.lastWarningAtMs = nowMs;
    this.suppressedWarnings = 0;
  }
}
