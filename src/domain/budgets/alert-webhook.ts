import { createHmac } from "node:crypto";
import { formatMoney } from "../money";
import type { BudgetScope } from "./budget-usage";

// The wire format of a budget alert webhook, and one signed POST of it. Other events on the same channel (model
// shutdown notices) go through postWebhookEvent: the same secret, headers and signature, their own body.
//
// A receiver verifies a request by recomputing
//   hex(HMAC-SHA256(secret, `${X-Imagegate-Timestamp}.${raw body}`))
// comparing it in constant time with the hex after "sha256=" in X-Imagegate-Signature, rejecting timestamps
// far from its own clock (replays), and deduplicating on X-Imagegate-Alert-Id (a retry carries the same id).

export interface AlertWebhook {
  url: string;
  secret: string;
}

/** What the delivery worker reads about one alert (with its budget) to build the payload. */
export interface AlertForDelivery {
  id: string;
  budgetId: string;
  userId: string | null;
  teamId: string | null;
  period: string;
  periodStart: Date;
  thresholdPercent: number;
  spentMicros: bigint;
  limitMicros: bigint;
  createdAt: Date;
}

export interface BudgetAlertPayload {
  event: "budget.threshold_crossed";
  alertId: string;
  budgetId: string;
  scope: BudgetScope;
  ownerId: string;
  period: string;
  periodStart: string;
  thresholdPercent: number;
  spent: string;
  limit: string;
  createdAt: string;
}

export type PostOutcome = { ok: true } | { ok: false; error: string };

export function alertPayload(alert: AlertForDelivery): BudgetAlertPayload {
  const scope: BudgetScope = alert.userId === null ? "TEAM" : "USER";
  return {
    event: "budget.threshold_crossed",
    alertId: alert.id,
    budgetId: alert.budgetId,
    scope,
    ownerId: alert.userId ?? alert.teamId ?? "",
    period: alert.period,
    periodStart: alert.periodStart.toISOString(),
    thresholdPercent: alert.thresholdPercent,
    spent: formatMoney(alert.spentMicros),
    limit: formatMoney(alert.limitMicros),
    createdAt: alert.createdAt.toISOString(),
  };
}

/** Hex HMAC-SHA256 of "<timestamp>.<body>". */
export function signAlert(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/** POSTs one budget alert (see postWebhookEvent); its id header is the alert's id. */
export function postAlert(webhook: AlertWebhook, payload: BudgetAlertPayload, timeoutMs: number): Promise<PostOutcome> {
  return postWebhookEvent(webhook, payload.alertId, payload, timeoutMs);
}

/**
 * POSTs one signed event, `eventId` in X-Imagegate-Alert-Id. Never throws: the outcome is "ok" on a 2xx, else a
 * short description (status or error class) that is safe to store and log: it holds neither the secret, the body,
 * nor the URL (which may carry a token).
 */
export async function postWebhookEvent(
  webhook: AlertWebhook,
  eventId: string,
  payload: object,
  timeoutMs: number,
): Promise<PostOutcome> {
  const body = JSON.stringify(payload);
  const timestamp = Math.floor(Date.now() / 1000).toString();
  try {
    const response = await fetch(webhook.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "imagegate-budget-alerts/1",
        "x-imagegate-alert-id": eventId,
        "x-imagegate-timestamp": timestamp,
        "x-imagegate-signature": `sha256=${signAlert(webhook.secret, timestamp, body)}`,
      },
      body,
      // A redirect is a failure, not a hop: the signature was made for this receiver.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    return response.ok ? { ok: true } : { ok: false, error: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, error: failureOf(error, timeoutMs) };
  }
}

function failureOf(error: unknown, timeoutMs: number): string {
  // Duck-typed: fetch's errors may come from another realm (under jest), where `instanceof Error` is false.
  const { name, cause } = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    cause?: { code?: unknown };
  };
  if (typeof name !== "string") return typeof error;
  if (name === "TimeoutError") return `timeout after ${timeoutMs} ms`;
  return typeof cause?.code === "string" ? `${name} ${cause.code}` : name;
}
