import http from "node:http";
import { summarizeLatency, type LatencySummary } from "./load";

// A load generator for what autocannon cannot do: thousands of requests held open at once (one socket each, really
// open: node:http with an agent of unlimited sockets), exchanges of two requests (generate, then download the image
// by its URL), and a light probe sent on a fixed schedule beside the load.

export interface HttpAnswer {
  status: number;
  body: Buffer;
  /** The body's length as received (more than body.length when keepBytes cut it). */
  length: number;
}

export interface HttpCall {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Give up after this long (the answer is then status 0). */
  timeoutMs: number;
  /** Keep only the body's first bytes (its length is still counted): for answers of hundreds of MB. */
  keepBytes?: number;
}

/** One HTTP request on `agent`, its whole body read; network errors and timeouts answer status 0 with the reason. */
export function send(agent: http.Agent, call: HttpCall): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    let length = 0;
    const finish = (status: number, body: Buffer) => {
      if (settled) return;
      settled = true;
      resolve({ status, body, length: Math.max(length, body.length) });
    };
    const keep = call.keepBytes ?? Infinity;
    const request = http.request(call.url, { method: call.method, headers: call.headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on("data", (chunk: Buffer) => {
        length += chunk.length;
        if (kept >= keep) return;
        const part = kept + chunk.length <= keep ? chunk : chunk.subarray(0, keep - kept);
        chunks.push(part);
        kept += part.length;
      });
      response.on("end", () => finish(response.statusCode ?? 0, Buffer.concat(chunks)));
      response.on("error", (error) => finish(0, Buffer.from(String(error))));
    });
    request.setTimeout(call.timeoutMs, () => request.destroy(new Error(`timed out after ${call.timeoutMs} ms`)));
    request.on("error", (error) => finish(0, Buffer.from(String(error))));
    request.end(call.body);
  });
}

/** A keep-alive agent that opens as many sockets as there are requests at once, and keeps them all between requests. */
export function holdingAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Math.max(256, sockets) });
}

/** Sockets an agent holds now, busy or free. */
export function agentSockets(agent: http.Agent): number {
  const count = (group: NodeJS.ReadOnlyDict<unknown[]>) =>
    Object.values(group).reduce((sum, list) => sum + (list?.length ?? 0), 0);
  return count(agent.sockets) + count(agent.freeSockets);
}

export interface Outcome {
  ok: boolean;
  /** Payload bytes the exchange delivered (the image's, for the payload phase). */
  bytes: number;
  failure?: string;
}

/** Every exchange of a run: start and end (ms since the run started), outcome. */
export interface Exchanges {
  startMs: number[];
  endMs: number[];
  ok: boolean[];
  bytes: number[];
  firstFailure: string | undefined;
  failures: number;
}

export interface ClosedLoop {
  /** Exchanges started and not yet ended. */
  inFlight(): number;
  /** Resolves once every slot has ended its last exchange. */
  done: Promise<Exchanges>;
  /** Ms since the run started. */
  elapsedMs(): number;
}

/**
 * `slots` clients, each running `exchange` back to back until `stopAfterMs` (ms since the start), then finishing the one
 * it has in flight; with `once`, each runs exactly one. Slot i starts at i * rampMs / slots, so that a slow upstream's
 * answers come spread out, not in waves.
 */
export function runClosedLoop(options: {
  slots: number;
  rampMs: number;
  stopAfterMs: number;
  once?: boolean;
  exchange: (slot: number) => Promise<Outcome>;
}): ClosedLoop {
  const started = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - started) / 1e6;
  const record: Exchanges = { startMs: [], endMs: [], ok: [], bytes: [], firstFailure: undefined, failures: 0 };
  let inFlight = 0;
  const runSlot = async (slot: number) => {
    const delay = (slot * options.rampMs) / options.slots;
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    for (let sent = 0; options.once === true ? sent < 1 : now() < options.stopAfterMs; sent++) {
      const startMs = now();
      inFlight++;
      const outcome = await options.exchange(slot);
      inFlight--;
      record.startMs.push(startMs);
      record.endMs.push(now());
      record.ok.push(outcome.ok);
      record.bytes.push(outcome.bytes);
      if (!outcome.ok) {
        record.failures++;
        record.firstFailure ??= outcome.failure;
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.slots }, (_, slot) => runSlot(slot))).then(() => record);
  return { inFlight: () => inFlight, done, elapsedMs: now };
}

/** What the exchanges that ended in [fromMs, toMs) did: successes per second, bytes per second, latency. */
export function windowOf(
  exchanges: Exchanges,
  fromMs: number,
  toMs: number,
): { ok: number; failed: number; perSecond: number; bytesPerSecond: number; latencyMs: LatencySummary } {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  for (let i = 0; i < exchanges.endMs.length; i++) {
    const end = exchanges.endMs[i]!;
    if (end < fromMs || end >= toMs) continue;
    if (!exchanges.ok[i]) {
      failed++;
      continue;
    }
    ok++;
    bytes += exchanges.bytes[i]!;
    latencies.push(end - exchanges.startMs[i]!);
  }
  const seconds = (toMs - fromMs) / 1000;
  return {
    ok,
    failed,
    perSecond: ok / seconds,
    bytesPerSecond: bytes / seconds,
    latencyMs: summarizeLatency(Float64Array.from(latencies)),
  };
}

export interface ProbeSample {
  /** Ms since the probe started. */
  sentMs: number;
  latencyMs: number;
  ok: boolean;
}

/**
 * A request every 1/ratePerSecond seconds on a fixed schedule, each sent when due whatever the previous ones are doing
 * (a slow answer does not delay the next probe, so a stall is measured, not skipped).
 */
export function startProbe(ratePerSecond: number, probe: () => Promise<boolean>) {
  const samples: ProbeSample[] = [];
  const started = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - started) / 1e6;
  const periodMs = 1000 / ratePerSecond;
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped) return;
    const sentMs = now();
    const call = probe()
      .catch(() => false)
      .then((ok) => {
        samples.push({ sentMs, latencyMs: now() - sentMs, ok });
        pending.delete(call);
      });
    pending.add(call);
    sent++;
    timer = setTimeout(tick, Math.max(0, sent * periodMs - now()));
  };
  tick();
  return {
    elapsedMs: now,
    /** Stops sending; resolves with every probe's sample once the last answers. */
    async stop(): Promise<ProbeSample[]> {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(pending);
      return samples;
    },
  };
}

/** The probes sent in [fromMs, toMs): latency of the successful ones, and how many failed. */
export function probeWindow(
  samples: ProbeSample[],
  fromMs: number,
  toMs: number,
): { sent: number; failed: number; latencyMs: LatencySummary } {
  const inWindow = samples.filter((s) => s.sentMs >= fromMs && s.sentMs < toMs);
  const latencies = Float64Array.from(inWindow.filter((s) => s.ok).map((s) => s.latencyMs));
  return {
    sent: inWindow.length,
    failed: inWindow.filter((s) => !s.ok).length,
    latencyMs: summarizeLatency(latencies),
  };
}
