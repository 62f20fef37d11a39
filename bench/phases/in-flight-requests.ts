import type http from "node:http";
import type pg from "pg";
import { agentSockets, send, type Outcome } from "../lib/closed-loop";
import type { RequestSpec } from "../lib/load";
import { memory } from "../lib/proc-stats";
import type { Fake } from "../lib/targets";

// What the in-flight phase sends and watches: the held call, the cheap request beside it, and once a second the
// calls in flight as each side counts them.

export type InFlightTarget = "imagegate" | "portkey";

/** The spec's request on `agent`, verified as autocannon's runs verify it; slot n uses connection n's headers. */
export function exchangeFor(
  spec: RequestSpec,
  agent: http.Agent,
  timeoutMs: number,
): (slot: number) => Promise<Outcome> {
  const url = `${spec.origin}${spec.path}`;
  return async (slot) => {
    const headers = spec.headersForConnection?.(slot) ?? spec.headers;
    const { status, body } = await send(agent, { method: "POST", url, headers, body: spec.body, timeoutMs });
    const text = body.toString("utf8");
    const ok = status === 200 && spec.verifyBody(text);
    return { ok, bytes: body.length, failure: ok ? undefined : `${status} ${text.slice(0, 300)}` };
  };
}

/**
 * The cheap request: imagegate's `me { balance }` for a user with no load of its own (a database read through the pool
 * the calls use); Portkey, which has no account to ask about: its health endpoint.
 */
export function probeFor(target: InFlightTarget, url: string, key: string, agent: http.Agent): () => Promise<boolean> {
  if (target === "portkey") return healthProbe(`${url}/`, "says hey", agent);
  const body = JSON.stringify({ query: "{ me { balance } }" });
  const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
  return async () => {
    const answer = await send(agent, { method: "POST", url: `${url}/graphql`, headers, body, timeoutMs: 60_000 });
    const text = answer.body.toString();
    return answer.status === 200 && text.startsWith('{"data":{"me":{"balance":') && !text.includes('"errors"');
  };
}

/** A health endpoint (imagegate's /healthz touches no database): the same cheap request for both gateways. */
export function healthProbe(url: string, expected: string, agent: http.Agent): () => Promise<boolean> {
  return async () => {
    const { status, body } = await send(agent, { method: "GET", url, timeoutMs: 60_000 });
    return status === 200 && body.toString().includes(expected);
  };
}

export interface Sample {
  tMs: number;
  /** Calls the load generator has sent and not yet had answered. */
  client: number;
  /** Sockets it holds to the target. */
  sockets: number;
  /** Generations the fake is holding (one timer each). */
  fakeTimers: number | undefined;
  /** imagegate's PENDING generations. */
  pending: number | undefined;
  rssBytes: number;
}

/** Calls in flight as each side sees them, and the target's RSS. */
export async function sample(
  tMs: number,
  client: number,
  agent: http.Agent,
  fake: Fake,
  pid: number,
  ledger: pg.Client | undefined,
): Promise<Sample> {
  const rssBytes = memory(pid).rssBytes;
  const sockets = agentSockets(agent);
  const fakeTimers = await fetch(`${fake.controlOrigin}/stats`)
    .then((r) => r.json() as Promise<{ timers: number }>)
    .then((stats) => stats.timers)
    .catch(() => undefined);
  const pending = await ledger
    ?.query("SELECT count(*)::int AS n FROM image_generations WHERE status = 'PENDING'")
    .then((r) => (r.rows[0] as { n: number }).n)
    .catch(() => undefined);
  return { tMs, client, sockets, fakeTimers, pending, rssBytes };
}
