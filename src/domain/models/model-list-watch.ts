import { DEFAULT_RETRY_POLICY, type RetryPolicy } from "../budgets/alert-delivery";
import type { AlertWebhook } from "../budgets/alert-webhook";
import type { ModelSpec } from "../catalog";
import type { Db } from "../db";
import { describeError, type Logger } from "../logger";
import { deliverDueNotices, type NoticeDelivery } from "./shutdown-notice-delivery";
import {
  announcedShutdowns,
  claimListCheck,
  postponeListCheck,
  recordShutdowns,
  type ModelListEntry,
} from "./shutdown-recording";

// Watches a provider's model list for announced shutdowns. Runs in every process: each pass first claims the
// period's read of the list (one process wins it, the others skip), records new or changed shutdown dates, queues a
// notice for a model that had requests in the last 30 days and shuts down within 90 days, and then, in every
// process and on every pass, sends the notices that are due (shutdown-notice-delivery.ts), so that a failed POST
// is retried on a later pass even when the list is not.

/** The port a provider implements: its model list, as published. */
export interface ModelListSource {
  /** Whose catalog ids the entries are. */
  provider: ModelSpec["provider"];
  /** `signal` aborts a read in flight (on stop), so that a slow provider does not hold up a shutdown. */
  list(signal?: AbortSignal): Promise<ModelListEntry[]>;
}

export interface ModelListWatchOptions {
  db: Db;
  source: ModelListSource;
  /** The budget alerts' webhook. Without it (or its secret), dates are recorded and notices queued, not sent. */
  webhook: { url: string; secret: string | undefined } | undefined;
  logger: Logger;
  now?: () => Date;
  /** How often the list is read, across all processes. Default 24 h. */
  checkIntervalMs?: number;
  /** Pause between passes; the first runs at start. Default 1 h (at most checkIntervalMs). */
  passIntervalMs?: number;
  /** false: no timer; passes run only through runPass() (tests). Default true. */
  poll?: boolean;
  /** Per POST. Default 10 s. */
  requestTimeoutMs?: number;
  /** A claimed notice's lease; must exceed requestTimeoutMs. Default 5 min. */
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
  random?: () => number;
}

export interface PassResult {
  /** Whether this pass read the list (it won the period's check, and the read succeeded). */
  listRead: boolean;
  recorded: number;
  queued: number;
  delivered: number;
}

export interface ModelListWatch {
  runPass(): Promise<PassResult>;
  /** Stops the timer, aborts a list read in flight, and waits for the pass (a POST in flight runs to its timeout). */
  stop(): Promise<void>;
}

interface Watch {
  db: Db;
  source: ModelListSource;
  logger: Logger;
  now: () => Date;
  checkIntervalMs: number;
  passIntervalMs: number;
  delivery: NoticeDelivery | undefined;
  stopping: AbortController;
}

const HOUR_MS = 3_600_000;
/** setTimeout's limit: a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function startModelListWatch(options: ModelListWatchOptions): ModelListWatch {
  const watch = configure(options);
  const passes = new Set<Promise<PassResult>>();
  let timer: NodeJS.Timeout | undefined;

  const runPass = (): Promise<PassResult> => {
    const pass = onePass(watch).finally(() => passes.delete(pass));
    passes.add(pass);
    return pass;
  };
  const schedule = (delayMs: number) => {
    if (watch.stopping.signal.aborted) return;
    timer = setTimeout(tick, delayMs);
    timer.unref();
  };
  const tick = () => {
    runPass()
      .catch((error: unknown) => watch.logger.warn({ cause: describeError(error) }, "model list pass failed"))
      .finally(() => schedule(watch.passIntervalMs));
  };

  if (options.poll !== false) schedule(0);
  const { checkIntervalMs, passIntervalMs } = watch;
  const delivering = watch.delivery !== undefined;
  watch.logger.info(
    { provider: watch.source.provider, checkIntervalMs, passIntervalMs, delivering },
    "model list watch started",
  );
  return {
    runPass,
    async stop() {
      watch.stopping.abort();
      clearTimeout(timer);
      await Promise.allSettled([...passes]);
    },
  };
}

function configure(options: ModelListWatchOptions): Watch {
  const now = options.now ?? (() => new Date());
  const checkIntervalMs = options.checkIntervalMs ?? 24 * HOUR_MS;
  const passIntervalMs = options.passIntervalMs ?? Math.min(HOUR_MS, checkIntervalMs);
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const leaseMs = options.leaseMs ?? 5 * 60_000;
  const retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  if (!(checkIntervalMs > 0 && passIntervalMs > 0 && passIntervalMs <= MAX_TIMER_MS && requestTimeoutMs > 0)) {
    throw new RangeError("intervals must be positive, and the pass interval within a timer's range");
  }
  if (!(leaseMs > requestTimeoutMs)) throw new RangeError("leaseMs must exceed requestTimeoutMs");
  if (!(retry.baseDelayMs >= 0 && retry.maxDelayMs >= retry.baseDelayMs && retry.maxAttempts >= 1)) {
    throw new RangeError("retry policy: 0 <= baseDelayMs <= maxDelayMs, maxAttempts >= 1");
  }
  const { db, logger, webhook } = options;
  const delivery =
    webhook?.secret === undefined
      ? undefined
      : {
          db,
          logger,
          now,
          webhook: { url: webhook.url, secret: webhook.secret } satisfies AlertWebhook,
          leaseMs,
          requestTimeoutMs,
          retry,
          random: options.random ?? Math.random,
        };
  const stopping = new AbortController();
  return { db, source: options.source, logger, now, checkIntervalMs, passIntervalMs, delivery, stopping };
}

async function onePass(watch: Watch): Promise<PassResult> {
  const isStopped = () => watch.stopping.signal.aborted;
  const read = await readListIfDue(watch);
  const delivered =
    watch.delivery !== undefined && !isStopped() ? await deliverDueNotices(watch.delivery, isStopped) : 0;
  return { ...read, delivered };
}

/** A failed read is logged, not thrown: it must not keep the pass from delivering. It is retried a pass later. */
async function readListIfDue(watch: Watch): Promise<Omit<PassResult, "delivered">> {
  const notRead = { listRead: false, recorded: 0, queued: 0 };
  const claimedAt = watch.now();
  if (!(await claimListCheck(watch.db, claimedAt, watch.checkIntervalMs))) return notRead;
  try {
    return { listRead: true, ...(await readList(watch)) };
  } catch (error) {
    const retryInMs = watch.passIntervalMs;
    await postponeListCheck(watch.db, { claimedAt, checkIntervalMs: watch.checkIntervalMs, retryInMs });
    watch.logger.warn({ cause: describeError(error), retryInMs }, "model list read failed");
    return notRead;
  }
}

async function readList(watch: Watch): Promise<{ recorded: number; queued: number }> {
  const entries = await watch.source.list(watch.stopping.signal);
  const announced = announcedShutdowns(watch.source.provider, entries);
  const { recorded, queued } = await recordShutdowns(watch.db, announced, watch.now());
  watch.logger.info(
    { provider: watch.source.provider, entries: entries.length, announced: announced.length, recorded, queued },
    "model list read",
  );
  return { recorded: recorded.length, queued: queued.length };
}
