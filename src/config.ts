import path from "node:path";
import { z } from "zod";
import { ImageModel } from "./domain/enums";

// Settings come from the environment once, at start-up, and fail fast with a readable message.

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const optionalUrl = optionalString.pipe(z.url().optional());

/** Only http(s): fetch refuses other schemes at run time, where the failure would reach nobody. */
const optionalHttpUrl = optionalString.pipe(
  z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
);

/** An empty setting counts as unset. */
const blankAsUnset = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === "string" && value.trim() === "" ? undefined : value), schema);

/**
 * CORS_ORIGINS: browser origins allowed to call the API, comma-separated, each exactly as a browser sends it in
 * `Origin` (scheme, host, port if not the default; no path, no trailing slash). A near miss ("https://app.example.com/")
 * would never match, and a wildcard would open the API to every site: both are refused at start.
 */
const corsOrigins = optionalString.transform((value, context) => {
  const origins = (value ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  for (const origin of origins) {
    const problem = originProblem(origin);
    if (problem !== undefined) context.addIssue({ code: "custom", message: `"${origin}" ${problem}` });
  }
  return [...new Set(origins)];
});

function originProblem(origin: string): string | undefined {
  if (origin.includes("*")) return "is a wildcard: list each origin exactly";
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "is not an origin such as https://app.example.com";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be http(s)";
  if (url.origin !== origin) return `is not an origin as a browser sends it: did you mean "${url.origin}"?`;
  return undefined;
}

/** An on/off setting: true or false (1/0, yes/no accepted), anything else refused rather than read as off. */
const optionalBoolean = blankAsUnset(
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
    .transform((value) => value === "true" || value === "1" || value === "yes")
    .optional(),
);

const optionalPositiveInt = blankAsUnset(z.coerce.number().int().positive().optional());

/**
 * Durations in seconds, at most a day: longer is a typo, and a timer past Node's limit (24.8 days) would fire at
 * once instead.
 */
const wholeSeconds = z.coerce.number().int().positive().max(86_400);
const seconds = (fallback: number) => wholeSeconds.default(fallback);
const optionalSeconds = blankAsUnset(wholeSeconds.optional());

const EnvSchema = z
  .object({
    DATABASE_URL: optionalString,
    HOST: z.string().default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
    // /metrics listens on a port of its own, off when unset (0: any free port, for tests).
    METRICS_PORT: blankAsUnset(z.coerce.number().int().min(0).max(65_535).optional()),
    METRICS_HOST: optionalString,
    MAX_CONNECTIONS: blankAsUnset(z.coerce.number().int().positive().max(1_000_000).optional()),
    // graphql-ws connections (generationUpdated), each also one of MAX_CONNECTIONS.
    WS_MAX_CONNECTIONS: z.coerce.number().int().positive().max(1_000_000).default(1_000),
    WS_MAX_CONNECTIONS_PER_KEY: z.coerce.number().int().positive().max(10_000).default(10),
    // Started generations (startImageGeneration) one process carries at once; past it, starts are refused.
    MAX_BACKGROUND_RUNS: z.coerce.number().int().positive().max(1_000_000).default(1_000),
    PUBLIC_URL: optionalUrl,
    DATA_DIR: z.string().default(".data"),
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalUrl,
    STABILITY_API_KEY: optionalString,
    STABILITY_BASE_URL: optionalUrl,
    DEFAULT_IMAGE_MODEL: z.enum(Object.values(ImageModel) as [ImageModel, ...ImageModel[]]).default("GPT_IMAGE_2"),
    RATE_LIMIT_IMAGES_PER_MINUTE: optionalPositiveInt,
    PROVIDER_TIMEOUT_SECONDS: seconds(120),
    PROVIDER_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
    USER_TAG_SECRET: optionalString,
    REDIS_URL: optionalString,
    TIME_ZONE: z
      .string()
      .default("UTC")
      .refine((zone) => isTimeZone(zone), "must be an IANA time zone such as UTC or Europe/Berlin"),
    BUDGET_ALERT_WEBHOOK_URL: optionalHttpUrl,
    BUDGET_ALERT_WEBHOOK_SECRET: optionalString,
    // Hours between reads of OpenAI's model list (across all processes), at most a week.
    MODEL_LIST_CHECK_HOURS: z.coerce.number().int().positive().max(168).default(24),
    HOLD_TTL_SECONDS: optionalSeconds,
    HOLD_SWEEP_INTERVAL_SECONDS: seconds(15),
    SHUTDOWN_GRACE_SECONDS: seconds(25),
    CORS_ORIGINS: corsOrigins,
    // GraphiQL at GET /graphql: on by default except in production (NODE_ENV=production), where it needs this.
    GRAPHIQL_ENABLED: optionalBoolean,
    NODE_ENV: optionalString,
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    // The most bytes of images one edit may upload or reference, together: they are held in memory. At most 1 GiB.
    EDIT_MAX_TOTAL_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .max(1024 * 1024 * 1024)
      .default(64 * 1024 * 1024),
  })
  // A provider's URL without its key would quietly fall back to the local provider, which charges list prices for
  // placeholder images: refused, so that a forgotten key is found at start and not on the invoices.
  .refine((env) => env.OPENAI_BASE_URL === undefined || env.OPENAI_API_KEY !== undefined, {
    path: ["OPENAI_BASE_URL"],
    message: "is set without OPENAI_API_KEY: set both (a gateway that needs no key takes any), or neither",
  })
  .refine((env) => env.STABILITY_BASE_URL === undefined || env.STABILITY_API_KEY !== undefined, {
    path: ["STABILITY_BASE_URL"],
    message: "is set without STABILITY_API_KEY: set both, or neither",
  })
  // Unsigned alerts are never sent: without the secret, every alert would queue up undelivered, unnoticed.
  .refine((env) => env.BUDGET_ALERT_WEBHOOK_URL === undefined || env.BUDGET_ALERT_WEBHOOK_SECRET !== undefined, {
    path: ["BUDGET_ALERT_WEBHOOK_URL"],
    message: "is set without BUDGET_ALERT_WEBHOOK_SECRET, the key that signs alerts: set both, or neither",
  })
  .refine((env) => env.METRICS_PORT === undefined || env.METRICS_PORT === 0 || env.METRICS_PORT !== env.PORT, {
    path: ["METRICS_PORT"],
    message: "must differ from PORT: metrics are served on a port of their own",
  });

// The longest a generation can take, from its hold to its settle, which the hold's expiry must outlast: a hold
// swept before the provider answered turns a slow success into a refusal after the provider did (and billed) the
// work. Every attempt may run to its timeout; before each retry the OpenAI SDK honours a Retry-After of up to 60 s
// (it ignores longer ones; Stability's client waits at most 8 s); then the images a gateway returns as URLs are
// downloaded (30 s, src/providers/openai.ts); the margin covers storing the images and the settle.
const MAX_RETRY_WAIT_MS = 60_000;
const IMAGE_DOWNLOAD_TIMEOUT_MS = 30_000;
const HOLD_MARGIN_MS = 60_000;

/** The default HOLD_TTL_SECONDS, in ms: attempts x timeout + retries x 60 s + 30 s download + 60 s margin. */
export function generationMaxMs(provider: { timeoutMs: number; maxRetries: number }): number {
  const { timeoutMs, maxRetries } = provider;
  return (maxRetries + 1) * timeoutMs + maxRetries * MAX_RETRY_WAIT_MS + IMAGE_DOWNLOAD_TIMEOUT_MS + HOLD_MARGIN_MS;
}

export interface Settings {
  databaseUrl: string | undefined;
  host: string;
  port: number;
  /** Where /metrics listens (METRICS_PORT, METRICS_HOST defaulting to HOST); undefined: no metrics at all. */
  metrics: { host: string; port: number } | undefined;
  /** MAX_CONNECTIONS; undefined: derived from the limit on open files (src/http/connection-limits.ts). */
  maxConnections: number | undefined;
  /** graphql-ws connections open at once: in all, and per API key (WS_MAX_CONNECTIONS, WS_MAX_CONNECTIONS_PER_KEY). */
  subscriptions: { maxConnections: number; maxConnectionsPerKey: number };
  /** Base of the image URLs we hand out; undefined means "derive from the listening address". */
  publicUrl: string | undefined;
  dataDir: string;
  openai: { apiKey: string; baseURL: string | undefined } | undefined;
  stability: { apiKey: string; baseURL: string | undefined } | undefined;
  defaultImageModel: ImageModel;
  rateLimitImagesPerMinute: number | undefined;
  providerTimeoutMs: number;
  providerMaxRetries: number;
  /** How long a hold may stay open before the sweeper releases it: by default, the longest a generation can take. */
  holdTtlMs: number;
  /** MAX_BACKGROUND_RUNS: started generations carried at once by this process. */
  maxBackgroundRuns: number;
  userTagSecret: string | undefined;
  logLevel: string;
  /** Rate-limit counters live in Redis when set, else in PostgreSQL. */
  redisUrl: string | undefined;
  /** Calendar days, weeks and months of budgets and reports are this zone's. Fixed for a deployment's life. */
  timeZone: string;
  budgetAlertWebhook: { url: string; secret: string } | undefined;
  /** How often one of the processes reads the provider's model list for announced shutdowns. */
  modelListCheckIntervalMs: number;
  holdSweepIntervalMs: number;
  shutdownGraceMs: number;
  /** EDIT_MAX_TOTAL_BYTES: an edit's source images together, uploaded or stored, are read into memory up to this. */
  editMaxTotalBytes: number;
  /** Browser origins allowed by CORS (CORS_ORIGINS); empty: none. */
  corsOrigins: string[];
  /** Whether GET /graphql serves GraphiQL to browsers. */
  graphiql: boolean;
  /** Settings that are allowed but probably wrong, logged at start. */
  warnings: Array<{ setting: string; message: string }>;
}

export class SettingsError extends Error {}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new SettingsError(`Invalid settings:\n  ${problems.join("\n  ")}`);
  }
  const e = parsed.data;
  const providerTimeoutMs = e.PROVIDER_TIMEOUT_SECONDS * 1000;
  const holdTtlFloorMs = generationMaxMs({ timeoutMs: providerTimeoutMs, maxRetries: e.PROVIDER_MAX_RETRIES });
  return {
    databaseUrl: e.DATABASE_URL,
    host: e.HOST,
    port: e.PORT,
    metrics: e.METRICS_PORT === undefined ? undefined : { host: e.METRICS_HOST ?? e.HOST, port: e.METRICS_PORT },
    maxConnections: e.MAX_CONNECTIONS,
    subscriptions: { maxConnections: e.WS_MAX_CONNECTIONS, maxConnectionsPerKey: e.WS_MAX_CONNECTIONS_PER_KEY },
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    dataDir: path.resolve(e.DATA_DIR),
    openai: e.OPENAI_API_KEY === undefined ? undefined : { apiKey: e.OPENAI_API_KEY, baseURL: e.OPENAI_BASE_URL },
    stability:
      e.STABILITY_API_KEY === undefined ? undefined : { apiKey: e.STABILITY_API_KEY, baseURL: e.STABILITY_BASE_URL },
    defaultImageModel: e.DEFAULT_IMAGE_MODEL,
    rateLimitImagesPerMinute: e.RATE_LIMIT_IMAGES_PER_MINUTE,
    providerTimeoutMs,
    providerMaxRetries: e.PROVIDER_MAX_RETRIES,
    holdTtlMs: e.HOLD_TTL_SECONDS === undefined ? holdTtlFloorMs : e.HOLD_TTL_SECONDS * 1000,
    maxBackgroundRuns: e.MAX_BACKGROUND_RUNS,
    userTagSecret: e.USER_TAG_SECRET,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    timeZone: e.TIME_ZONE,
    budgetAlertWebhook:
      e.BUDGET_ALERT_WEBHOOK_URL === undefined || e.BUDGET_ALERT_WEBHOOK_SECRET === undefined
        ? undefined
        : { url: e.BUDGET_ALERT_WEBHOOK_URL, secret: e.BUDGET_ALERT_WEBHOOK_SECRET },
    modelListCheckIntervalMs: e.MODEL_LIST_CHECK_HOURS * 3_600_000,
    holdSweepIntervalMs: e.HOLD_SWEEP_INTERVAL_SECONDS * 1000,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    editMaxTotalBytes: e.EDIT_MAX_TOTAL_BYTES,
    corsOrigins: e.CORS_ORIGINS,
    graphiql: e.GRAPHIQL_ENABLED ?? e.NODE_ENV !== "production",
    warnings: holdTtlWarnings(e.HOLD_TTL_SECONDS, holdTtlFloorMs),
  };
}

/**
 * A shorter HOLD_TTL_SECONDS is warned about, not refused: it is a deliberate trade (credit held for less time after
 * a crash) that tests of crash recovery make too.
 */
function holdTtlWarnings(holdTtlSeconds: number | undefined, floorMs: number) {
  if (holdTtlSeconds === undefined || holdTtlSeconds * 1000 >= floorMs) return [];
  const message =
    `HOLD_TTL_SECONDS=${holdTtlSeconds} is shorter than a generation may take with PROVIDER_TIMEOUT_SECONDS and ` +
    `PROVIDER_MAX_RETRIES (${floorMs / 1000} s): a slow success may be released by the sweeper and then refused ` +
    `after the provider did the work`;
  return [{ setting: "HOLD_TTL_SECONDS", message }];
}
