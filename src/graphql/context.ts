import type DataLoader from "dataloader";
import type { Authenticator } from "../domain/accounts/authenticator";
import type { Principal } from "../domain/accounts/principal";
import type { Db } from "../domain/db";
import type { GenerationService } from "../domain/generation/generation.service";
import type { GenerationFeed } from "../domain/generation/generation-feed";
import type { ImageEdits } from "../domain/edits/image-edits";
import type { Logger } from "../domain/logger";
import type { ImageModel } from "../domain/enums";
import type { ImageStorage } from "../storage/image-storage";
import type { ModelDirectory } from "../domain/models/model-directory";
import type { ProviderRegistry } from "../providers/registry";
import type { GenerationSource, Team, User } from "../generated/prisma/client";
import type { GenerationRecord } from "../domain/generation/generation-record";
import type { BudgetUsage } from "../domain/budgets/budget-usage";
import type { OwnerWindow } from "../domain/reports/owner-spend";
import { unauthenticated } from "../domain/errors";
import type { RequestRecord } from "../observability/request-record";
import type { CallerConcurrency } from "./caller-concurrency";
import type { ApiKeyRow } from "../domain/accounts/api-key.queries";

/** What every resolver can reach: built once at start-up. */
export interface Services {
  db: Db;
  /** API keys to principals, the recently used ones kept in memory. */
  authenticator: Authenticator;
  generation: GenerationService;
  /** Generations' changes and partial images as this process hears them, from whichever process runs them. */
  generationFeed: GenerationFeed;
  /** editImage and startImageEdit, on the generation flow. */
  edits: ImageEdits;
  storage: ImageStorage;
  providers: ProviderRegistry;
  /** Routes and shutdowns: which model serves which, and which are refused. */
  models: ModelDirectory;
  logger: Logger;
  defaultImageModel: ImageModel;
  /** The deployment's zone for budget periods and report days. */
  timeZone: string;
  /** The clock; tests control it to cross period boundaries. */
  now(): Date;
  /** RATE_LIMIT_IMAGES_PER_MINUTE: the limit of users without an override of their own; null means unlimited. */
  defaultImagesPerMinute: number | null;
  /** Base of stored images' URLs, e.g. "http://127.0.0.1:4000"; known once the server listens. */
  publicUrl(): string;
  /** Each caller's GraphQL operations running and waiting in this process (generateImage aside). */
  operations: CallerConcurrency;
}

/** Per request. Loaders batch the lookups of a request, so lists never issue a query per row. */
export interface GraphQLContext {
  principal: Principal | null;
  services: Services;
  loaders: Loaders;
  /** The HTTP request this operation serves (its id, its logger, its access log); absent when a test runs the schema. */
  request?: RequestRecord;
}

export interface Loaders {
  userById: DataLoader<string, User | null>;
  generationById: DataLoader<string, GenerationRecord | null>;
  teamById: DataLoader<string, Team | null>;
  /** A key by id, never its secret or hash. */
  apiKeyById: DataLoader<string, ApiKeyRow | null>;
  /** A team's members, ordered by email. */
  membersByTeamId: DataLoader<string, User[]>;
  /** Net spend of a user, or of a team, over a window (from, to already checked). */
  userSpend: DataLoader<OwnerWindow, bigint, string>;
  teamSpend: DataLoader<OwnerWindow, bigint, string>;
  /** A user's own budgets, or a team's, in their current periods. */
  userBudgets: DataLoader<string, BudgetUsage[]>;
  teamBudgets: DataLoader<string, BudgetUsage[]>;
  /** A user's keys, newest first: the newest `first`, of those usable now (active), unusable, or all (null). */
  apiKeys: DataLoader<{ userId: string; first: number; active: boolean | null }, ApiKeyRow[], string>;
  /** An edit's source images (none for other generations). */
  sourcesByGenerationId: DataLoader<string, GenerationSource[]>;
}

/** The caller; resolvers behind @Authorized always have one. */
export function principalOf(context: GraphQLContext): Principal {
  if (context.principal === null) throw unauthenticated();
  return context.principal;
}
