import type { Logger } from "../logger";
import { postWebhookEvent, type AlertWebhook } from "./alert-webhook";

// Sends an outbox's rows (budget alerts, model shutdown notices) to the webhook, in any number of processes at once,
// without holding a lock or a transaction across the network. An item is claimed with a lease: one short
// statement sets claimed_until = now + lease on a due item whose lease is free (SKIP LOCKED keeps concurrent claims
// apart only for that statement) and counts the attempt. The POST then runs with nothing held, and a second
// statement records the outcome. Other processes skip the item while its lease runs, so it is sent once; the
// lease is longer than a POST may take. If the claimer dies (or loses the database) after the receiver answered
// 2xx and before the outcome is recorded, the lease lapses and the item is sent again with the same event id:
// receivers deduplicate on X-Imagegate-Alert-Id. An item deleted meanwhile (a removed budget) records nothing.

export interface RetryPolicy {
  /** The first retry waits between half and all of this; each further one doubles it, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** After this many failed attempts an item is no longer retried (see GAVE_UP_AT). */
  maxAttempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseDelayMs: 10_000, maxDelayMs: 3_600_000, maxAttempts: 15 };

/** When an item that ran out of attempts is due again: never, and findable by this value. */
export const GAVE_UP_AT = new Date("9999-12-31T00:00:00Z");

export function retryDelayMs(failedAttempts: number, policy: RetryPolicy, random: () => number = Math.random) {
  const exponentialMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempts - 1));
  // Equal jitter: at least half the exponential delay, so retries still back off, plus a random part, so that
  // items which failed together (a receiver outage) do not all come back at the same instant.
  return Math.round(exponentialMs / 2 + (random() * exponentialMs) / 2);
}

export function checkRetryPolicy(retry: RetryPolicy): void {
  if (!(retry.baseDelayMs >= 0 && retry.maxDelayMs >= retry.baseDelayMs && retry.maxAttempts >= 1)) {
    throw new RangeError("retry policy: 0 <= baseDelayMs <= maxDelayMs, maxAttempts >= 1");
  }
}

/** An item as claimed: `attempts` counts this attempt, and is the claim's token when its failure is recorded. */
export interface ClaimedItem {
  attempts: number;
}

/** What differs between outboxes: their table, their event, their log lines. */
export interface Outbox<Item extends ClaimedItem> {
  /** One statement: leases one item due at `now`, not in `tried`, until `leasedUntil`, counting the attempt. */
  claim(now: Date, leasedUntil: Date, tried: readonly Item[]): Promise<Item | undefined>;
  event(item: Item): { id: string; payload: object };
  /** Marks it delivered and frees the lease (whoever holds it now: the receiver has it). */
  recordDelivered(item: Item, at: Date): Promise<void>;
  /** Frees the lease and sets the next try, only while the claim is ours: a lapsed lease may have passed it on. */
  recordFailure(item: Item, failure: { error: string; nextTryAt: Date }): Promise<void>;
  /** The item's fields for log lines (ids, never the payload). */
  describe(item: Item): object;
  messages: { delivered: string; failed: string; gaveUp: string };
}

export interface OutboxSender {
  webhook: AlertWebhook;
  logger: Logger;
  now: () => Date;
  /** How long a claim keeps other processes off an item: longer than a POST may take. */
  leaseMs: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  random: () => number;
}

export interface PassLimits {
  /** Items sent at once by this process. */
  lanes: number;
  /** Bounds one pass, and the list of items it has already tried, when items keep arriving. */
  maxItems: number;
  isStopped: () => boolean;
}

/** Sends the items due now, each at most once per pass; resolves to how many were delivered. */
export async function deliverDueItems<Item extends ClaimedItem>(
  outbox: Outbox<Item>,
  sender: OutboxSender,
  limits: PassLimits,
): Promise<number> {
  const tried: Item[] = [];
  const lane = async () => {
    let delivered = 0;
    while (!limits.isStopped() && tried.length < limits.maxItems) {
      const now = sender.now();
      const item = await outbox.claim(now, new Date(now.getTime() + sender.leaseMs), tried);
      if (item === undefined) break;
      tried.push(item);
      if (await sendOne(outbox, sender, item)) delivered += 1;
    }
    return delivered;
  };
  const results = await Promise.allSettled(Array.from({ length: limits.lanes }, lane));
  const failure = results.find((result) => result.status === "rejected");
  if (failure !== undefined) throw failure.reason;
  return results.reduce((sum, result) => sum + (result.status === "fulfilled" ? result.value : 0), 0);
}

async function sendOne<Item extends ClaimedItem>(outbox: Outbox<Item>, sender: OutboxSender, item: Item) {
  const { id, payload } = outbox.event(item);
  const outcome = await postWebhookEvent(sender.webhook, id, payload, sender.requestTimeoutMs);
  const fields = { ...outbox.describe(item), attempts: item.attempts };
  if (outcome.ok) {
    await outbox.recordDelivered(item, sender.now());
    sender.logger.info(fields, outbox.messages.delivered);
    return true;
  }
  const { error } = outcome;
  const retryInMs =
    item.attempts >= sender.retry.maxAttempts ? null : retryDelayMs(item.attempts, sender.retry, sender.random);
  const nextTryAt = retryInMs === null ? GAVE_UP_AT : new Date(sender.now().getTime() + retryInMs);
  await outbox.recordFailure(item, { error, nextTryAt });
  if (retryInMs === null) sender.logger.error({ ...fields, error }, outbox.messages.gaveUp);
  else sender.logger.warn({ ...fields, error, retryInMs }, outbox.messages.failed);
  return false;
}
