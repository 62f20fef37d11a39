import type { ImageStorage } from "../../storage/image-storage";
import type { Db } from "../db";
import type { ImageModel } from "../enums";
import type { Logger } from "../logger";
import type { ImageRateLimiter } from "../rate-limit/rate-limiter";
import type { GenerationEvents } from "./generation-events";
import type { GenerationUpdates } from "./generation-updates";
import type { ImageProvider } from "./image-provider";

export interface GenerationDeps {
  db: Db;
  providers: { forModel(model: ImageModel): ImageProvider };
  storage: ImageStorage;
  rateLimiter: ImageRateLimiter;
  /** Which model serves a request for a model (routes, retirements); refuses with MODEL_RETIRED. */
  models: { serve(model: ImageModel, now: Date): Promise<ImageModel> };
  defaultModel: ImageModel;
  holdTtlMs: number;
  /**
   * Started runs (startImageGeneration and its siblings) this process carries at once; past it, a start is refused
   * before its hold. Each holds a provider connection and its answer until it ends, and none holds a client's.
   */
  maxBackgroundRuns: number;
  /** Budgets' calendar periods and the spend aggregates' days are in this zone. */
  timeZone: string;
  userTag(userId: string): string;
  logger: Logger;
  /** Told how each generation ended and how each provider call went (metrics); nothing by default. */
  events?: GenerationEvents;
  /** Told when a generation opens or ends and of each partial image (live watchers); nothing by default. */
  updates?: GenerationUpdates;
  now?: () => Date;
  /** Called when a failed generation's hold could not be released (the database was away): the sweeper retries it. */
  onReleaseFailed?: (generationId: string, errorCode: string) => void;
}
