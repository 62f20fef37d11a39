import path from "node:path";
import { SettingsError, type Settings } from "./config";
import type { Db } from "./domain/db";
import { isDatabaseUnavailable } from "./domain/database-unavailable";
import { startConfiguredAlertDelivery } from "./domain/budgets/alert-delivery";
import { GenerationService } from "./domain/generation/generation.service";
import { ImageEdits } from "./domain/edits/image-edits";
import type { GenerationUpdates } from "./domain/generation/generation-updates";
import { Authenticator } from "./domain/accounts/authenticator";
import { KeyUsageRecorder, writeKeyUses } from "./domain/accounts/key-usage";
import { ModelDirectory } from "./domain/models/model-directory";
import { listenForNotifications } from "./db/notification-listener";
import { poolOf } from "./db/prepared-statements";
import { startHoldSweeper, type HoldSweeper } from "./domain/ledger/sweeper";
import { startModelListWatch } from "./domain/models/model-list-watch";
import type { Services } from "./graphql/context";
import { buildImagegateSchema } from "./graphql/schema";
import { defaultMaxConnections } from "./http/connection-limits";
import { CallerConcurrency } from "./graphql/caller-concurrency";
import { startHttpServer, type RunningServer } from "./http/server";
import type { LiveConnections } from "./http/subscriptions/live-connections";
import { startLiveUpdates } from "./live/live-updates";
import type { UploadLimits } from "./http/multipart-body";
import { CATALOG } from "./domain/catalog";
import type { AppLogger } from "./logging";
import { registerGauges } from "./observability/gauges";
import { createPrometheusMetrics, NO_METRICS } from "./observability/metrics";
import { startMetricsServer, type RunningMetricsServer } from "./observability/metrics-server";
import { createOpenAIModelListSource } from "./providers/openai-models";
import { createProviderRegistry } from "./providers/registry";
import { userTagger } from "./providers/user-tag";
import { createImageRateLimiter } from "./domain/rate-limit/create-image-rate-limiter";
import { SegmentImageStorage } from "./storage/segment-storage";
import type { ImageStorage } from "./storage/image-storage";

export interface Imagegate extends RunningServer {
  services: Services;
  /** Releases expired holds, and retries releases that failed while the database was away. */
  sweeper: HoldSweeper;
  /** API keys' last use, written in the background: flush() waits for what was noted so far. */
  keyUsage: KeyUsageRecorder;
  /** Where Prometheus scrapes, when METRICS_PORT is set. */
  metricsUrl: string | undefined;
}

/**
 * How long a kept principal (or route) is trusted even if no change is announced: a bound, should a notification be
 * lost.
 */
const PRINCIPAL_TTL_MS = 60_000;

/** Wires the domain, providers, storage and HTTP server together on an open database. */
export async function startImagegate(args: {
  settings: Settings;
  db: Db;
  /** The database `db` is open on: the rate limiter keeps its counters there, on a small pool of its own. */
  databaseUrl: string;
  logger: AppLogger;
  storage?: ImageStorage;
  /** The clock (tests move it across budget periods); the system clock by default. */
  now?: () => Date;
  /** Where the generation flow announces changes and partial images to live watchers; nobody by default. */
  generationUpdates?: GenerationUpdates;
}): Promise<Imagegate> {
  const { settings, db, logger } = args;
  for (const { setting, message } of settings.warnings) logger.warn({ setting }, message);
  await checkTimeZoneKnownToDatabase(db, settings.timeZone);
  const now = args.now ?? (() => new Date());
  const storage = args.storage ?? new SegmentImageStorage(path.join(settings.dataDir, "images"));
  const providers = createProviderRegistry({
    openai: settings.openai,
    stability: settings.stability,
    timeoutMs: settings.providerTimeoutMs,
    maxRetries: settings.providerMaxRetries,
  });
  const rateLimiter = await createImageRateLimiter({
    databaseUrl: args.databaseUrl,
    redisUrl: settings.redisUrl,
    defaultPerMinute: settings.rateLimitImagesPerMinute,
    logger,
  });
  const keyUsage = new KeyUsageRecorder((uses) => writeKeyUses(db, uses), logger);
  const authenticator = new Authenticator(db, {
    ttlMs: PRINCIPAL_TTL_MS,
    maxEntries: 10_000,
    now,
    recordUse: (apiKeyId, at) => keyUsage.touch(apiKeyId, at),
  });
  // Open WebSockets keep their key's principal: re-checked whenever principals change, or changes may have been missed.
  const sockets: { live?: LiveConnections } = {};
  const principalChanges = listenForNotifications({
    databaseUrl: args.databaseUrl,
    channel: "imagegate_principals",
    onNotification: () => {
      authenticator.forget();
      sockets.live?.recheck();
    },
    onListening: () => {
      authenticator.trust();
      sockets.live?.recheck();
    },
    onLost: () => authenticator.distrust(),
    logger,
  });
  const models = new ModelDirectory(db, { ttlMs: PRINCIPAL_TTL_MS });
  const modelChanges = listenForNotifications({
    databaseUrl: args.databaseUrl,
    channel: "imagegate_models",
    onNotification: () => models.forget(),
    onListening: () => models.trust(),
    onLost: () => models.distrust(),
    logger,
  });
  const live = startLiveUpdates({ db, databaseUrl: args.databaseUrl, redisUrl: settings.redisUrl, logger });
  const sweeper = startHoldSweeper({ db, intervalMs: settings.holdSweepIntervalMs, logger, now });
  const metrics = settings.metrics === undefined ? undefined : createPrometheusMetrics();
  let publicUrl = settings.publicUrl ?? "";
  const generation = new GenerationService({
    db,
    providers,
    storage,
    logger,
    rateLimiter,
    models,
    defaultModel: settings.defaultImageModel,
    holdTtlMs: settings.holdTtlMs,
    maxBackgroundRuns: settings.maxBackgroundRuns,
    timeZone: settings.timeZone,
    now,
    userTag: userTagger(settings.userTagSecret),
    events: metrics,
    // Tests may listen in as well (a recording GenerationUpdates); watchers in every process hear it either way.
    updates: args.generationUpdates === undefined ? live.updates : bothUpdates(live.updates, args.generationUpdates),
    onReleaseFailed: (generationId, errorCode) => sweeper.scheduleRelease(generationId, errorCode),
  });
  const services: Services = {
    db,
    authenticator,
    storage,
    logger,
    providers,
    models,
    defaultImageModel: settings.defaultImageModel,
    defaultImagesPerMinute: settings.rateLimitImagesPerMinute ?? null,
    timeZone: settings.timeZone,
    now,
    publicUrl: () => publicUrl,
    operations: new CallerConcurrency(),
    generationFeed: live.feed,
    generation,
    edits: new ImageEdits({
      db,
      storage,
      generation,
      defaultModel: settings.defaultImageModel,
      maxTotalBytes: settings.editMaxTotalBytes,
    }),
  };
  const maxConnections = settings.maxConnections ?? defaultMaxConnections();
  const server = await startHttpServer({
    schema: await buildImagegateSchema(),
    services,
    host: settings.host,
    port: settings.port,
    // A backstop: main.ts cuts what is left once the generations in flight have finished or been interrupted.
    drainGraceMs: settings.shutdownGraceMs + 5_000,
    logger,
    metrics: metrics ?? NO_METRICS,
    maxConnections,
    subscriptions: settings.subscriptions,
    uploads: uploadLimits(settings.editMaxTotalBytes),
    corsOrigins: settings.corsOrigins,
    graphiql: settings.graphiql,
  });
  sockets.live = server.liveConnections;
  let metricsServer: RunningMetricsServer | undefined;
  if (metrics !== undefined && settings.metrics !== undefined) {
    registerGauges(metrics.registry, {
      pool: poolOf(db),
      holdsOpen: () => services.generation.holdsInFlight,
      backgroundRuns: () => services.generation.backgroundRuns,
      maxBackgroundRuns: settings.maxBackgroundRuns,
      openConnections: server.openConnections,
      maxConnections,
    });
    metricsServer = await startMetricsServer({ registry: metrics.registry, ...settings.metrics, logger }).catch(
      async (error: unknown) => {
        await server.close();
        throw error;
      },
    );
  }
  if (settings.publicUrl === undefined) publicUrl = server.url;
  const alertDelivery = startConfiguredAlertDelivery({ db, logger, webhook: settings.budgetAlertWebhook });
  // Only OpenAI publishes a model list (with shutdown dates); the local provider has none.
  const { openai } = settings;
  const modelListWatch =
    openai === undefined
      ? undefined
      : startModelListWatch({
          db,
          logger,
          now,
          source: createOpenAIModelListSource({
            ...openai,
            timeoutMs: settings.providerTimeoutMs,
            maxRetries: settings.providerMaxRetries,
          }),
          webhook: settings.budgetAlertWebhook,
          checkIntervalMs: settings.modelListCheckIntervalMs,
        });
  // The HTTP server first (it stops accepting at once, then drains), so workers run until its requests are done.
  const close = async () => {
    await server.close();
    await alertDelivery?.stop();
    await modelListWatch?.stop();
    await sweeper.stop();
    await keyUsage.flush();
    await rateLimiter.close();
    await principalChanges.stop();
    await modelChanges.stop();
    await live.stop();
    await metricsServer?.close();
  };
  return { ...server, services, sweeper, keyUsage, close, metricsUrl: metricsServer?.url };
}

function bothUpdates(first: GenerationUpdates, second: GenerationUpdates): GenerationUpdates {
  return {
    changed: async (generationId) => {
      await Promise.all([first.changed(generationId), second.changed(generationId)]);
    },
    partialImage: async (generationId, partial) => {
      await Promise.all([first.partialImage(generationId, partial), second.partialImage(generationId, partial)]);
    },
  };
}

/** What one multipart request may carry: the largest file and the most files any model's edits take, and the total. */
function uploadLimits(editMaxTotalBytes: number): UploadLimits {
  const edits = Object.values(CATALOG).flatMap((spec) => (spec.edits === null ? [] : [spec.edits]));
  return {
    maxFileBytes: Math.max(...edits.map((rules) => rules.maxImageBytes)),
    maxFiles: Math.max(...edits.map((rules) => rules.maxImages)) + 1,
    // The operations and map fields and the parts' headers beside the files.
    maxBodyBytes: editMaxTotalBytes + 2 * 1024 * 1024,
  };
}

/**
 * Calendar days are computed in SQL too (`AT TIME ZONE`): a zone Node knows but PostgreSQL does not (an old alias
 * such as US/Pacific-New) would pass the settings' check and then fail every report and refund.
 */
async function checkTimeZoneKnownToDatabase(db: Db, timeZone: string): Promise<void> {
  try {
    await db.$queryRaw`SELECT now() AT TIME ZONE ${timeZone}`;
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw error;
    throw new SettingsError(`Invalid settings:\n  TIME_ZONE: PostgreSQL does not know the time zone "${timeZone}"`);
  }
}
