import { GAVE_UP_AT, retryDelayMs, type RetryPolicy } from "../budgets/alert-delivery";
import { postWebhookEvent, type AlertWebhook } from "../budgets/alert-webhook";
import { CATALOG } from "../catalog";
import type { Db } from "../db";
import type { ImageModel } from "../enums";
import type { Logger } from "../logger";

// Sends queued model shutdown notices (an outbox: delivered_at IS NULL) on the budget alerts' webhook. A notice is
// claimed by a lease: one short UPDATE sets claimed_until and counts the attempt, the POST runs with no lock or
// transaction held, and a second UPDATE records the outcome. Other processes skip a notice while its lease runs;
// if the claimer dies, the lease lapses and another process sends it again (same event id, for receivers to
// deduplicate). After a failure claimed_until is the time of the next try (exponential backoff); after the last
// attempt it is GAVE_UP_AT, never due again.

export interface NoticeDelivery {
  db: Db;
  webhook: AlertWebhook;
  logger: Logger;
  now: () => Date;
  /** How long a claim keeps other processes off a notice: longer than a POST may take. */
  leaseMs: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  random: () => number;
}

export interface ModelShutdownPayload {
  event: "model.shutdown_announced";
  eventId: string;
  model: ImageModel;
  upstreamId: string;
  shutdownDate: string;
  replacement: ImageModel | null;
  requestsLast30Days: number;
  createdAt: string;
}

interface ClaimedNotice {
  model: ImageModel;
  shutdownDate: string;
  requests30d: number;
  createdAt: Date;
  attempts: number;
}

/** Bounds one pass, and the list of notices it has already tried. */
const MAX_NOTICES_PER_PASS = 100;

/** The notice's id on the wire (X-Imagegate-Alert-Id and eventId): the same on every retry, unique per date. */
export const noticeEventId = (model: ImageModel, shutdownDate: string) => `model-shutdown:${model}:${shutdownDate}`;

export function shutdownPayload(notice: Omit<ClaimedNotice, "attempts">): ModelShutdownPayload {
  const spec = CATALOG[notice.model];
  return {
    event: "model.shutdown_announced",
    eventId: noticeEventId(notice.model, notice.shutdownDate),
    model: notice.model,
    upstreamId: spec.upstreamId,
    shutdownDate: notice.shutdownDate,
    replacement: spec.lifecycle.replacement,
    requestsLast30Days: notice.requests30d,
    createdAt: notice.createdAt.toISOString(),
  };
}

/** Sends the notices due now, each at most once per pass, one at a time; resolves to how many were delivered. */
export async function deliverDueNotices(delivery: NoticeDelivery, isStopped: () => boolean): Promise<number> {
  const tried: ClaimedNotice[] = [];
  let delivered = 0;
  while (!isStopped() && tried.length < MAX_NOTICES_PER_PASS) {
    const notice = await claimDue(delivery, tried);
    if (notice === undefined) break;
    tried.push(notice);
    const payload = shutdownPayload(notice);
    const outcome = await postWebhookEvent(delivery.webhook, payload.eventId, payload, delivery.requestTimeoutMs);
    if (outcome.ok) {
      await recordDelivered(delivery, notice);
      delivered += 1;
    } else {
      await recordFailure(delivery, notice, outcome.error);
    }
  }
  return delivered;
}

/** One statement: picks a due notice no one holds (SKIP LOCKED keeps concurrent claims apart), leases it, counts it. */
async function claimDue(delivery: NoticeDelivery, tried: readonly ClaimedNotice[]) {
  const now = delivery.now();
  const leasedUntil = new Date(now.getTime() + delivery.leaseMs);
  const rows = await delivery.db.$queryRaw<ClaimedNotice[]>`
    UPDATE model_shutdown_notices n
       SET claimed_until = ${leasedUntil}, attempts = n.attempts + 1
      FROM (SELECT model, shutdown_date FROM model_shutdown_notices
             WHERE delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ${now})
               AND (model, shutdown_date) NOT IN (
                     SELECT * FROM unnest(${tried.map((notice) => notice.model)}::"ImageModel"[],
                                          ${tried.map((notice) => notice.shutdownDate)}::date[]))
             ORDER BY created_at, model, shutdown_date
             LIMIT 1
               FOR UPDATE SKIP LOCKED) due
     WHERE n.model = due.model AND n.shutdown_date = due.shutdown_date
       AND n.delivered_at IS NULL AND (n.claimed_until IS NULL OR n.claimed_until <= ${now})
    RETURNING n.model, n.shutdown_date::text AS "shutdownDate", n.requests_30d AS "requests30d",
              n.created_at AS "createdAt", n.attempts`;
  return rows[0];
}

async function recordDelivered(delivery: NoticeDelivery, notice: ClaimedNotice): Promise<void> {
  await delivery.db.$executeRaw`
    UPDATE model_shutdown_notices
       SET delivered_at = ${delivery.now()}, claimed_until = NULL, last_error = NULL
     WHERE model = ${notice.model}::"ImageModel" AND shutdown_date = ${notice.shutdownDate}::date
       AND delivered_at IS NULL`;
  const { model, shutdownDate, attempts } = notice;
  delivery.logger.info({ model, shutdownDate, attempts }, "model shutdown notice delivered");
}

/** Only while the claim is still ours (attempts unchanged): a lapsed lease may have passed the notice on. */
async function recordFailure(delivery: NoticeDelivery, notice: ClaimedNotice, error: string): Promise<void> {
  const { model, shutdownDate, attempts } = notice;
  const retryInMs =
    attempts >= delivery.retry.maxAttempts ? null : retryDelayMs(attempts, delivery.retry, delivery.random);
  const nextTryAt = retryInMs === null ? GAVE_UP_AT : new Date(delivery.now().getTime() + retryInMs);
  await delivery.db.$executeRaw`
    UPDATE model_shutdown_notices SET claimed_until = ${nextTryAt}, last_error = ${error}
     WHERE model = ${model}::"ImageModel" AND shutdown_date = ${shutdownDate}::date
       AND delivered_at IS NULL AND attempts = ${attempts}`;
  if (retryInMs === null) {
    delivery.logger.error({ model, shutdownDate, attempts, error }, "model shutdown notice not delivered: giving up");
  } else {
    delivery.logger.warn({ model, shutdownDate, attempts, error, retryInMs }, "model shutdown notice attempt failed");
  }
}
