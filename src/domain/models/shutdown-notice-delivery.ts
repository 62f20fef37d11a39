import { deliverDueItems, type Outbox, type OutboxSender } from "../budgets/webhook-outbox";
import { CATALOG } from "../catalog";
import type { Db } from "../db";
import type { ImageModel } from "../enums";

// Sends queued model shutdown notices (an outbox: delivered_at IS NULL) on the budget alerts' webhook, by the same
// leases as budget alerts (webhook-outbox.ts): no lock or transaction is held during the POST; if the claimer dies,
// the lease lapses and another process sends it again (same event id, for receivers to deduplicate). Here
// claimed_until is also the time of the next try after a failure (exponential backoff); after the last attempt it
// is GAVE_UP_AT, never due again.

export interface NoticeDelivery extends OutboxSender {
  db: Db;
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
export function deliverDueNotices(delivery: NoticeDelivery, isStopped: () => boolean): Promise<number> {
  return deliverDueItems(noticeOutbox(delivery.db), delivery, { lanes: 1, maxItems: MAX_NOTICES_PER_PASS, isStopped });
}

function noticeOutbox(db: Db): Outbox<ClaimedNotice> {
  return {
    claim: (now, leasedUntil, tried) => claimDue(db, now, leasedUntil, tried),
    event(notice) {
      const payload = shutdownPayload(notice);
      return { id: payload.eventId, payload };
    },
    async recordDelivered(notice, at) {
      await db.$executeRaw`
        UPDATE model_shutdown_notices
           SET delivered_at = ${at}, claimed_until = NULL, last_error = NULL
         WHERE model = ${notice.model}::"ImageModel" AND shutdown_date = ${notice.shutdownDate}::date
           AND delivered_at IS NULL`;
    },
    async recordFailure({ model, shutdownDate, attempts }, { error, nextTryAt }) {
      await db.$executeRaw`
        UPDATE model_shutdown_notices SET claimed_until = ${nextTryAt}, last_error = ${error}
         WHERE model = ${model}::"ImageModel" AND shutdown_date = ${shutdownDate}::date
           AND delivered_at IS NULL AND attempts = ${attempts}`;
    },
    describe: ({ model, shutdownDate }) => ({ model, shutdownDate }),
    messages: {
      delivered: "model shutdown notice delivered",
      failed: "model shutdown notice attempt failed",
      gaveUp: "model shutdown notice not delivered: giving up",
    },
  };
}

/**
 * One statement: picks a due notice no one holds (SKIP LOCKED keeps concurrent claims apart), leases it, counts it.
 * MATERIALIZED: the pick runs once; a subquery in FROM may be rescanned per joined row and lease several notices.
 */
async function claimDue(db: Db, now: Date, leasedUntil: Date, tried: readonly ClaimedNotice[]) {
  const rows = await db.$queryRaw<ClaimedNotice[]>`
    WITH due AS MATERIALIZED (
      SELECT model, shutdown_date FROM model_shutdown_notices
       WHERE delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ${now})
         AND (model, shutdown_date) NOT IN (
               SELECT * FROM unnest(${tried.map((notice) => notice.model)}::"ImageModel"[],
                                    ${tried.map((notice) => notice.shutdownDate)}::date[]))
       ORDER BY created_at, model, shutdown_date
       LIMIT 1
         FOR UPDATE SKIP LOCKED)
    UPDATE model_shutdown_notices n
       SET claimed_until = ${leasedUntil}, attempts = n.attempts + 1
      FROM due
     WHERE n.model = due.model AND n.shutdown_date = due.shutdown_date
    RETURNING n.model, n.shutdown_date::text AS "shutdownDate", n.requests_30d AS "requests30d",
              n.created_at AS "createdAt", n.attempts`;
  return rows[0];
}
