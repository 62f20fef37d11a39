import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * How the receiver answers one request: a status; never ("hang": the sender's timeout has to end it); or not until
 * the test calls release() ("hold").
 */
export type WebhookAnswer = number | "hang" | "hold";

export interface ReceivedWebhook {
  /** Lower-cased names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  alertId: string;
  /** The body exactly as received: signatures are over these bytes, not over a re-serialization. */
  rawBody: string;
  body: Record<string, unknown>;
  answer: WebhookAnswer;
  receivedAt: Date;
  /** Whether the sender gave up on it (closed the connection) before it was answered. */
  abandoned: boolean;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  requests: ReceivedWebhook[];
  /** Requests answered with a 2xx: what a receiver would have processed. */
  accepted(): ReceivedWebhook[];
  /** The next requests get these answers, in order; then `answerWith` decides (200 unless set). */
  queue(...answers: WebhookAnswer[]): void;
  answerWith(decide: (request: ReceivedWebhook, previous: ReceivedWebhook[]) => WebhookAnswer): void;
  /** Delay before answering, to keep deliveries in flight together. */
  setLatencyMs(ms: number): void;
  /** Requests in flight right now, by alert id: a second one for the same id would be a concurrent duplicate. */
  maxInFlightPerAlert(): number;
  /** Answers every request held so far ("hold") with `status`. */
  release(status?: number): void;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 and an OS-chosen port that records every request and answers as scripted. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedWebhook[] = [];
  const queued: WebhookAnswer[] = [];
  const inFlight = new Map<string, number>();
  let maxInFlight = 0;
  let decide: (request: ReceivedWebhook, previous: ReceivedWebhook[]) => WebhookAnswer = () => 200;
  let latencyMs = 0;
  const held: Array<{ request: ReceivedWebhook; res: ServerResponse }> = [];

  const server = createServer((req, res) => {
    void readBody(req).then(async (rawBody) => {
      const alertId = String(req.headers["x-imagegate-alert-id"]);
      const previous = requests.filter((request) => request.alertId === alertId);
      const request: ReceivedWebhook = {
        headers: req.headers,
        alertId,
        rawBody,
        body: parse(rawBody),
        answer: 200,
        receivedAt: new Date(),
        abandoned: false,
      };
      res.once("close", () => (request.abandoned = !res.writableEnded));
      request.answer = queued.shift() ?? decide(request, previous);
      requests.push(request);
      inFlight.set(alertId, (inFlight.get(alertId) ?? 0) + 1);
      maxInFlight = Math.max(maxInFlight, inFlight.get(alertId)!);
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      inFlight.set(alertId, inFlight.get(alertId)! - 1);
      if (request.answer === "hold") held.push({ request, res });
      else answer(res, request.answer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks/budget-alerts`,
    requests,
    accepted: () => requests.filter((request) => typeof request.answer === "number" && request.answer < 300),
    queue: (...answers) => queued.push(...answers),
    answerWith: (fn) => (decide = fn),
    setLatencyMs: (ms) => (latencyMs = ms),
    maxInFlightPerAlert: () => maxInFlight,
    release: (status = 200) =>
      held.splice(0).forEach(({ request, res }) => {
        request.answer = status;
        answer(res, status);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        // Hung and keep-alive connections would otherwise hold the server open.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parse(rawBody: string): Record<string, unknown> {
  try {
    return JSON.parse(rawBody) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function answer(res: ServerResponse, how: WebhookAnswer): void {
  if (how === "hang" || how === "hold") return;
  res.writeHead(how, { "content-type": "application/json" }).end(JSON.stringify({ received: how < 300 }));
}

/**
 * What a receiver does before trusting a request: recompute HMAC-SHA256 over "<timestamp>.<raw body>" with the
 * shared secret, compare in constant time, and refuse stale timestamps (replays).
 */
export function verifyImagegateSignature(
  request: Pick<ReceivedWebhook, "headers" | "rawBody">,
  secret: string,
  toleranceSeconds = 300,
): boolean {
  const timestamp = request.headers["x-imagegate-timestamp"];
  const signature = request.headers["x-imagegate-signature"];
  if (typeof timestamp !== "string" || typeof signature !== "string" || !signature.startsWith("sha256=")) {
    return false;
  }
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${timestamp}.${request.rawBody}`).digest();
  const given = Buffer.from(signature.slice("sha256=".length), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}
