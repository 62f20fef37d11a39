import { modelOfUpstreamId, type ModelSpec } from "../catalog";
import type { Db, Tx } from "../db";
import type { ImageModel } from "../enums";

// The daily half of the model-list watch: who reads the list today, which announced shutdown dates are new, and
// which of them become notices. Dates are UTC days, YYYY-MM-DD, as the provider publishes them.

/** One entry of a provider's model list, as its source read it (not yet validated). */
export interface ModelListEntry {
  upstreamId: string;
  shutdownDate: string | null;
}

/** A shutdown date recorded (new, or changed) by one read of the list. */
export interface AnnouncedShutdown {
  model: ImageModel;
  shutdownDate: string;
}

/** Entries read from one list at most: a runaway (or hostile) gateway cannot make a pass unbounded. */
export const MAX_LIST_ENTRIES = 10_000;
/** A notice is queued for a shutdown at most this many days ahead... */
export const NOTICE_HORIZON_DAYS = 90;
/**
 * ...and at most this many days past: a date announced late (or read late, after failed reads) still reaches the
 * receiver while callers are failing on it; older dates are history, such as the retired models a first read finds.
 */
export const NOTICE_PAST_GRACE_DAYS = 7;

const DAY_MS = 86_400_000;

/**
 * Claims this period's read of the list: true for the one process (of any number) whose UPDATE moved checked_at,
 * false for every other until `checkIntervalMs` has passed. One statement, no lock held afterwards.
 */
export async function claimListCheck(db: Db, now: Date, checkIntervalMs: number): Promise<boolean> {
  const claimed = await db.$executeRaw`
    UPDATE model_list_checks SET checked_at = ${now}
     WHERE id = 1 AND checked_at <= ${now}::timestamptz - make_interval(secs => ${checkIntervalMs}::float8 / 1000)`;
  return claimed === 1;
}

/**
 * After a failed read: the claim made at `claimedAt` becomes due again `retryInMs` later (for whichever process
 * passes first), instead of a whole period later. Left alone if another claim was made since.
 */
export async function postponeListCheck(
  db: Db,
  args: { claimedAt: Date; checkIntervalMs: number; retryInMs: number },
): Promise<void> {
  const dueAt = new Date(args.claimedAt.getTime() - args.checkIntervalMs + args.retryInMs);
  await db.$executeRaw`
    UPDATE model_list_checks SET checked_at = ${dueAt} WHERE id = 1 AND checked_at = ${args.claimedAt}`;
}

/**
 * The catalog models of `provider` that the list gives a valid date, first entry per model. Unknown ids, other
 * providers' models, null and malformed dates are skipped; so is everything after the first MAX_LIST_ENTRIES.
 */
export function announcedShutdowns(provider: ModelSpec["provider"], entries: readonly unknown[]): AnnouncedShutdown[] {
  const byModel = new Map<ImageModel, string>();
  for (const entry of entries.slice(0, MAX_LIST_ENTRIES)) {
    const { upstreamId, shutdownDate } = (typeof entry === "object" && entry !== null ? entry : {}) as {
      upstreamId?: unknown;
      shutdownDate?: unknown;
    };
    if (typeof upstreamId !== "string" || !isCalendarDay(shutdownDate)) continue;
    const model = modelOfUpstreamId(provider, upstreamId);
    if (model !== undefined && !byModel.has(model)) byModel.set(model, shutdownDate);
  }
  return [...byModel].map(([model, shutdownDate]) => ({ model, shutdownDate }));
}

/** A real calendar day written YYYY-MM-DD (not 2027-02-30), in the years PostgreSQL and Date both handle. */
export function isCalendarDay(value: unknown): value is string {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const at = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().slice(0, 10) === value && value >= "1970-01-01";
}

/** Whole days from `now`'s UTC day to `day` (negative when it is past). */
export function daysUntil(day: string, now: Date): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Math.round((new Date(`${day}T00:00:00Z`).getTime() - today) / DAY_MS);
}

/**
 * Records the dates that are new or changed, and queues a notice (one per model and date, whoever inserts it) for
 * each of those within the notice window whose model had requests (asked for, or served) in the 30 days before
 * `now`. One transaction: a date is never recorded without its notice. Returns what was recorded and queued.
 */
export async function recordShutdowns(
  db: Db,
  announced: readonly AnnouncedShutdown[],
  now: Date,
): Promise<{ recorded: AnnouncedShutdown[]; queued: AnnouncedShutdown[] }> {
  return db.$transaction(async (tx) => {
    const known = await tx.$queryRaw<AnnouncedShutdown[]>`
      SELECT model, shutdown_date::text AS "shutdownDate" FROM model_shutdowns`;
    const knownDates = new Map(known.map((row) => [row.model, row.shutdownDate]));
    const changes = announced.filter((item) => knownDates.get(item.model) !== item.shutdownDate);
    // Written only when something changed: the table's trigger would make every process reload for nothing.
    const recorded = changes.length === 0 ? [] : await upsertShutdowns(tx, changes, now);
    if (recorded.length > 0) await dropSupersededNotices(tx, recorded);
    for (const item of recorded) knownDates.set(item.model, item.shutdownDate);
    // Every recorded date is looked at each time, not only new ones: a date announced more than 90 days ahead gets its
    // notice when it comes within 90 days, and a model first used after the announcement gets one too. The notices'
    // key keeps it to one per model and date.
    const current = [...knownDates].map(([model, shutdownDate]) => ({ model, shutdownDate }));
    const due = current.filter((item) => {
      const days = daysUntil(item.shutdownDate, now);
      return days >= -NOTICE_PAST_GRACE_DAYS && days <= NOTICE_HORIZON_DAYS;
    });
    const queued = due.length === 0 ? [] : await queueNotices(tx, due, now);
    return { recorded, queued };
  });
}

async function upsertShutdowns(tx: Tx, changes: readonly AnnouncedShutdown[], now: Date) {
  return tx.$queryRaw<AnnouncedShutdown[]>`
    INSERT INTO model_shutdowns AS s (model, shutdown_date, announced_at)
    SELECT a.model, a.shutdown_date, ${now}
      FROM unnest(${changes.map((item) => item.model)}::"ImageModel"[],
                  ${changes.map((item) => item.shutdownDate)}::date[]) AS a(model, shutdown_date)
    ON CONFLICT (model) DO UPDATE SET shutdown_date = EXCLUDED.shutdown_date, announced_at = EXCLUDED.announced_at
     WHERE s.shutdown_date <> EXCLUDED.shutdown_date
    RETURNING s.model, s.shutdown_date::text AS "shutdownDate"`;
}

/** A notice not yet delivered for a model's previous date would tell the receiver a date that no longer holds. */
async function dropSupersededNotices(tx: Tx, recorded: readonly AnnouncedShutdown[]): Promise<void> {
  await tx.$executeRaw`
    DELETE FROM model_shutdown_notices n
     USING unnest(${recorded.map((item) => item.model)}::"ImageModel"[],
                  ${recorded.map((item) => item.shutdownDate)}::date[]) AS a(model, shutdown_date)
     WHERE n.model = a.model AND n.shutdown_date <> a.shutdown_date AND n.delivered_at IS NULL`;
}

async function queueNotices(tx: Tx, due: readonly AnnouncedShutdown[], now: Date) {
  return tx.$queryRaw<AnnouncedShutdown[]>`
    INSERT INTO model_shutdown_notices (model, shutdown_date, requests_30d, created_at)
    SELECT a.model, a.shutdown_date, r.requests, ${now}
      FROM unnest(${due.map((item) => item.model)}::"ImageModel"[],
                  ${due.map((item) => item.shutdownDate)}::date[]) AS a(model, shutdown_date)
     CROSS JOIN LATERAL (
       SELECT LEAST(count(*), 2147483647)::integer AS requests
         FROM image_generations g
        WHERE g.created_at > ${now}::timestamptz - interval '30 days' AND g.created_at <= ${now}
          AND (g.model = a.model OR g.requested_model = a.model)) r
     WHERE r.requests > 0
    ON CONFLICT (model, shutdown_date) DO NOTHING
    RETURNING model, shutdown_date::text AS "shutdownDate"`;
}
