import type { Db, Tx } from "../db";
import { describeError, type Logger } from "../logger";
import { alertPayload, postAlert, type AlertForDelivery, type AlertWebhook } from "./alert-webhook";

// Delivers recorded budget alerts (an outbox: `budget_alerts` rows with delivered_at IS NULL) to the webhook.
// Safe in every server process at once: each alert is claimed with SELECT ... FOR UPDATE SKIP LOCKED and its row
// lock is held, in one transaction, across the POST and the update that records the outcome, so no two processes
// ever send the same alert. The one duplicate window is a crash (or lost connection) after the receiver answered
// 2xx and before the commit: the alert is then sent again, with the same X-Imagegate-Alert-Id, for receivers
// to deduplicate on.

export interface RetryPolicy {
  /** The first retry waits between half and all of this; each further one doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this many failed attempts an alert is no longer retried (see GAVE_UP_AT). */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 3_600_000, maxAttempts: 15 };

/**
 * next_attempt_at of an alert that ran out of attempts: never due again, and findable with
 * `delivered_at IS NULL AND next_attempt_at = '9999-12-31'`. Setting next_attempt_at = now() (and attempts = 0)
 * sends it again.
 */
export const GAVE_UP_AT = new Date("9999-12-31T00:00:00Z");

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
  retry?: Partial<RetryPolicy>;
  /** Alerts this process sends at once, each holding a database connection while it is sent. Default 2. */
  concurrency?: number;
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
  webhook: AlertWebhook;
  logger: Logger;
  pollIntervalMs: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  concurrency: number;
  random: () => number;
}

interface Attempt {
  alertId: string;
  attempts: number;
  error: string | null;
  retryInMs: number | null;
}

// Bounds one pass (and the list of alerts it has already tried) when alerts keep arriving.
const MAX_ALERTS_PER_PASS = 500;

export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random) {
  const exponentialMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  // Equal jitter: at least half the exponential delay, so retries still back off, plus a random part, so that
  // alerts which failed together (a receiver outage) do not all come back at the same instant.
  return Math.round(exponentialMs / 2 + (random() * exponentialMs) / 2);
}

export function startAlertDelivery(options: AlertDeliveryOptions): AlertDelivery {
  const worker = configure(options);
  const passes = new Set<Promise<number>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const deliverDue = (): Promise<number> => {
    const pass = runPass(worker, () => stopped).finally(() => passes.delete(pass));
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
      .catch((error: unknown) => worker.logger.warn({ cause: describeError(error) }, "budget alert delivery failed"))
      .finally(() => schedule(worker.pollIntervalMs));
  };

  if (options.poll !== false) schedule(0);
  worker.logger.info(
    { webhook: new URL(worker.webhook.url).origin, pollIntervalMs: worker.pollIntervalMs },
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
  const worker: Worker = {
    db: options.db,
    webhook: options.webhook,
    logger: options.logger,
    pollIntervalMs: options.pollIntervalMs ?? 5_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    concurrency: options.concurrency ?? 2,
    random: options.random ?? Math.random,
  };
  const { retry } = worker;
  if (!(worker.pollIntervalMs > 0 && worker.requestTimeoutMs > 0)) throw new RangeError("intervals must be positive");
  if (!(Number.isInteger(worker.concurrency) && worker.concurrency >= 1)) throw new RangeError("concurrency >= 1");
  if (!(retry.baseDelayMs >= 0 && retry.maxDelayMs >= retry.baseDelayMs && retry.maxAttempts >= 1)) {
    throw new RangeError("retry policy: 0 <= baseDelayMs <= maxDelayMs, maxAttempts >= 1");
  }
  return worker;
}

/** Lanes claim due alerts one at a time until none is left; SKIP LOCKED keeps them (and other processes) apart. */
async function runPass(worker: Worker, isStopped: () => boolean): Promise<number> {
  const tried: string[] = [];
  const lane = async () => {
    let delivered = 0;
    while (!isStopped() && tried.length < MAX_ALERTS_PER_PASS) {
      const attempt = await attemptOne(worker, tried);
      if (attempt === null) break;
      logAttempt(worker.logger, attempt);
      if (attempt.error === null) delivered += 1;
    }
    return delivered;
  };
  const results = await Promise.allSettled(Array.from({ length: worker.concurrency }, lane));
  const failure = results.find((result) => result.status === "rejected");
  if (failure !== undefined) throw failure.reason;
  return results.reduce((sum, result) => sum + (result.status === "fulfilled" ? result.value : 0), 0);
}

async function attemptOne(worker: Worker, tried: string[]): Promise<Attempt | null> {
  return worker.db.$transaction(
    async (tx) => {
      const alert = await claimDue(tx, tried);
      if (alert === undefined) return null;
      tried.push(alert.id);
      const outcome = await postAlert(worker.webhook, alertPayload(alert), worker.requestTimeoutMs);
      if (outcome.ok) {
        await tx.$executeRaw`
          UPDATE budget_alerts
             SET delivered_at = clock_timestamp(), attempts = attempts + 1, last_error = NULL
           WHERE id = ${alert.id}::uuid`;
        return { alertId: alert.id, attempts: alert.attempts + 1, error: null, retryInMs: null };
      }
      return recordFailure(tx, worker, alert, outcome.error);
    },
    // The row lock is held across the POST, which the request timeout bounds.
    { timeout: worker.requestTimeoutMs + 15_000, maxWait: 10_000 },
  );
}

async function claimDue(tx: Tx, tried: string[]): Promise<(AlertForDelivery & { attempts: number }) | undefined> {
  const rows = await tx.$queryRaw<(AlertForDelivery & { attempts: number })[]>`
    SELECT a.id, a.budget_id AS "budgetId", b.user_id AS "userId", b.team_id AS "teamId", b.period::text AS period,
           a.period_start AS "periodStart", a.threshold_percent AS "thresholdPercent",
           a.spent_micros AS "spentMicros", a.limit_micros AS "limitMicros", a.created_at AS "createdAt", a.attempts
      FROM budget_alerts a
      JOIN budgets b ON b.id = a.budget_id
     WHERE a.delivered_at IS NULL AND a.next_attempt_at <= clock_timestamp()
       AND a.id <> ALL(${tried}::uuid[])
     ORDER BY a.next_attempt_at, a.id
     LIMIT 1
       FOR UPDATE OF a SKIP LOCKED`;
  return rows[0];
}

async function recordFailure(tx: Tx, worker: Worker, alert: { id: string; attempts: number }, error: string) {
  const attempts = alert.attempts + 1;
  const retryInMs = attempts >= worker.retry.maxAttempts ? null : retryDelayMs(attempts, worker.retry, worker.random);
  await tx.$executeRaw`
    UPDATE budget_alerts
       SET attempts = ${attempts}, last_error = ${error},
           next_attempt_at = CASE WHEN ${retryInMs}::float8 IS NULL THEN ${GAVE_UP_AT}::timestamptz
                                  ELSE clock_timestamp() + make_interval(secs => ${retryInMs}::float8 / 1000) END
     WHERE id = ${alert.id}::uuid`;
  return { alertId: alert.id, attempts, error, retryInMs };
}

function logAttempt(logger: Logger, attempt: Attempt): void {
  const { alertId, attempts, error, retryInMs } = attempt;
  if (error === null) logger.info({ alertId, attempts }, "budget alert delivered");
  else if (retryInMs === null) logger.error({ alertId, attempts, error }, "budget alert not delivered: giving up");
  else logger.warn({ alertId, attempts, error, retryInMs }, "budget alert delivery attempt failed");
}
