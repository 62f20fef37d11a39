import type { Db } from "../db";
import { describeError, type Logger } from "../logger";
import { budgetAlertOutbox } from "./alert-outbox";
import type { AlertWebhook } from "./alert-webhook";
import {
  checkRetryPolicy,
  DEFAULT_RETRY_POLICY,
  deliverDueItems,
  type OutboxSender,
  type RetryPolicy,
} from "./webhook-outbox";

// Delivers recorded budget alerts (an outbox: `budget_alerts` rows with delivered_at IS NULL) to the webhook, from
// every server process at once. Each alert is claimed with a lease (claimed_until), POSTed with no lock or
// transaction held, and its outcome recorded after (webhook-outbox.ts): a stalled receiver delays only its own
// alert, never a budget change or a generation. Each alert is delivered once across processes; the one duplicate
// window is a crash (or lost database) after the receiver answered 2xx and before the delivery was recorded: the
// alert is then sent again once its lease lapses, with the same X-Imagegate-Alert-Id, for receivers to deduplicate.

export { DEFAULT_RETRY_POLICY, GAVE_UP_AT, retryDelayMs, type RetryPolicy } from "./webhook-outbox";

export interface AlertDeliveryOptions {
  db: Db;
  webhook: AlertWebhook;
  logger: Logger;
  /** Pause between passes over due alerts; the first pass runs at start. Default 5 s. */
  pollIntervalMs?: number;
  /** false: no timer, passes run only through deliverDue() (tests, one-off scripts). Default true. */
  poll?: boolean;
  /** Per POST. Default 10 s. */
  requestTimeoutMs?: number;
  /** How long a claim keeps other processes off an alert; more than requestTimeoutMs. Default 60 s. */
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Alerts this process sends at once. Default 2. */
  concurrency?: number;
  /** The clock of leases, retries and deliveries (tests move it); the system clock by default. */
  now?: () => Date;
  /** For tests: the jitter's source. */
  random?: () => number;
}

export interface AlertDelivery {
  /** One pass over the alerts due now (each at most once per pass); resolves to how many were delivered. */
  deliverDue(): Promise<number>;
  /** Stops polling and waits for the alerts being sent to be recorded. */
  stop(): Promise<void>;
}

interface Worker {
  db: Db;
  sender: OutboxSender;
  pollIntervalMs: number;
  concurrency: number;
}

// Bounds one pass (and the list of alerts it has already tried) when alerts keep arriving.
const MAX_ALERTS_PER_PASS = 500;

export function startAlertDelivery(options: AlertDeliveryOptions): AlertDelivery {
  const worker = configure(options);
  const { logger } = worker.sender;
  const outbox = budgetAlertOutbox(worker.db);
  const passes = new Set<Promise<number>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const deliverDue = (): Promise<number> => {
    const limits = { lanes: worker.concurrency, maxItems: MAX_ALERTS_PER_PASS, isStopped: () => stopped };
    const pass = deliverDueItems(outbox, worker.sender, limits).finally(() => passes.delete(pass));
    passes.add(pass);
    return pass;
  };
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(tick, delayMs);
    timer.unref();
  };
  const tick = () => {
    deliverDue()
      .catch((error: unknown) => logger.warn({ cause: describeError(error) }, "budget alert delivery failed"))
      .finally(() => schedule(worker.pollIntervalMs));
  };

  if (options.poll !== false) schedule(0);
  logger.info(
    { webhook: new URL(worker.sender.webhook.url).origin, pollIntervalMs: worker.pollIntervalMs },
    "budget alert delivery started",
  );
  return {
    deliverDue,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...passes]);
    },
  };
}

/** Starts delivery when the deployment configured a webhook; alerts stay recorded (and queued) otherwise. */
export function startConfiguredAlertDelivery(args: {
  db: Db;
  logger: Logger;
  webhook: { url: string; secret: string | undefined } | undefined;
}): AlertDelivery | undefined {
  const { db, logger, webhook } = args;
  if (webhook === undefined) return undefined;
  if (webhook.secret === undefined) {
    logger.error({}, "BUDGET_ALERT_WEBHOOK_SECRET is not set: budget alerts are recorded but not delivered");
    return undefined;
  }
  return startAlertDelivery({ db, logger, webhook: { url: webhook.url, secret: webhook.secret } });
}

function configure(options: AlertDeliveryOptions): Worker {
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const sender: OutboxSender = {
    webhook: options.webhook,
    logger: options.logger,
    now: options.now ?? (() => new Date()),
    leaseMs: options.leaseMs ?? Math.max(60_000, 2 * requestTimeoutMs),
    requestTimeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    random: options.random ?? Math.random,
  };
  const worker = { db: options.db, sender, pollIntervalMs: options.pollIntervalMs ?? 5_000 };
  const concurrency = options.concurrency ?? 2;
  if (!(worker.pollIntervalMs > 0 && requestTimeoutMs > 0)) throw new RangeError("intervals must be positive");
  if (!(sender.leaseMs > requestTimeoutMs)) throw new RangeError("leaseMs must exceed requestTimeoutMs");
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new RangeError("concurrency >= 1");
  checkRetryPolicy(sender.retry);
  return { ...worker, concurrency };
}
