import path from "node:path";
import type { Settings } from "./config";
import type { Db } from "./domain/db";
import { GenerationService } from "./domain/generation/generation.service";
import type { Logger } from "./domain/logger";
import type { Services } from "./graphql/context";
import { buildImagegateSchema } from "./graphql/schema";
import { startHttpServer, type RunningServer } from "./http/server";
import { createProviderRegistry } from "./providers/registry";
import { userTag } from "./providers/user-tag";
import { UNLIMITED } from "./domain/rate-limit/rate-limiter";
import { FilesystemImageStorage } from "./storage/filesystem-storage";
import type { ImageStorage } from "./storage/image-storage";

export interface Imagegate extends RunningServer {
  services: Services;
}

/** Wires the domain, providers, storage and HTTP server together on an open database. */
export async function startImagegate(args: {
  settings: Settings;
  db: Db;
  logger: Logger;
  storage?: ImageStorage;
}): Promise<Imagegate> {
  const { settings, db, logger } = args;
  const storage = args.storage ?? new FilesystemImageStorage(path.join(settings.dataDir, "images"));
  const providers = createProviderRegistry({
    openai: settings.openai,
    stability: settings.stability,
    timeoutMs: settings.providerTimeoutMs,
    maxRetries: settings.providerMaxRetries,
  });
  let publicUrl = settings.publicUrl ?? "";
  const services: Services = {
    db,
    storage,
    logger,
    providers,
    defaultImageModel: settings.defaultImageModel,
    publicUrl: () => publicUrl,
    generation: new GenerationService({
      db,
      providers,
      storage,
      logger,
      rateLimiter: UNLIMITED,
      defaultModel: settings.defaultImageModel,
      holdTtlMs: settings.holdTtlMs,
      userTag: (userId) => userTag(userId, settings.userTagSecret),
    }),
  };
  const server = await startHttpServer({
    schema: await buildImagegateSchema(),
    services,
    host: settings.host,
    port: settings.port,
  });
  if (settings.publicUrl === undefined) publicUrl = server.url;
  return { ...server, services };
}
