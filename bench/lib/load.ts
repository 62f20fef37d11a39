import autocannon from "autocannon";

/** One logical request against one target, as autocannon sends it. */
export interface RequestSpec {
  /** Origin, e.g. "http://127.0.0.1:4000". */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** True when a 2xx body is a real success (autocannon counts the others as mismatches). */
  verifyBody(body: string): boolean;
  /** Headers of the n-th connection, when connections differ (one API key per user). */
  headersForConnection?(connection: number): Record<string, string>;
}

export interface LoadResult {
  connections: number;
  elapsedSeconds: number;
  /** Responses received (any status). */
  responses: number;
  /** 2xx responses whose body verified. */
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  timeouts: number;
  /** 2xx responses whose body did not verify (e.g. a GraphQL error in a 200). */
  mismatches: number;
  /** The first failed response (non-2xx or unverified), for diagnosis. */
  firstFailure: string | undefined;
  /** ok / elapsed seconds. */
  requestsPerSecond: number;
  /** Latency of the 2xx responses in ms (microsecond resolution, unlike autocannon's integer histogram). */
  latencyMs: LatencySummary;
  /** Raw 2xx latencies in ms, for merging runs. */
  samples: Float64Array;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  mean: number;
  max: number;
}

/** A growable Float64Array. */
class Samples {
  private values = new Float64Array(1 << 14);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  toArray(): Float64Array {
    return this.values.slice(0, this.length);
  }
}

export function summarizeLatency(samples: Float64Array): LatencySummary {
  if (samples.length === 0) return { p50: NaN, p90: NaN, p99: NaN, mean: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), mean: sum / sorted.length, max: sorted[sorted.length - 1]! };
}

/** Several runs side by side (two processes driven together) as one. */
export function mergeResults(results: LoadResult[]): LoadResult {
  return pooled(results, {
    connections: results.reduce((n, r) => n + r.connections, 0),
    elapsedSeconds: Math.max(...results.map((r) => r.elapsedSeconds)),
  });
}

/** Runs one after another (the slices of `--rounds`) as one. */
export function concatResults(results: LoadResult[]): LoadResult {
  return pooled(results, {
    connections: results[0]!.connections,
    elapsedSeconds: results.reduce((n, r) => n + r.elapsedSeconds, 0),
  });
}

/** The runs' counts added and latencies pooled, over the given connections and time. */
function pooled(results: LoadResult[], over: { connections: number; elapsedSeconds: number }): LoadResult {
  const samples = new Float64Array(results.reduce((n, r) => n + r.samples.length, 0));
  let offset = 0;
  for (const result of results) {
    samples.set(result.samples, offset);
    offset += result.samples.length;
  }
  const sum = (pick: (r: LoadResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const ok = sum((r) => r.ok);
  return {
    ...over,
    responses: sum((r) => r.responses),
    ok,
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    mismatches: sum((r) => r.mismatches),
    firstFailure: results.find((r) => r.firstFailure !== undefined)?.firstFailure,
    requestsPerSecond: ok / over.elapsedSeconds,
    latencyMs: summarizeLatency(samples),
    samples,
  };
}

/**
 * Drives `spec` with `connections` keep-alive connections for `durationSeconds`; `onProgress` is called every
 * second with the responses so far.
 */
export async function runLoad(
  spec: RequestSpec,
  options: { connections: number; durationSeconds: number; onProgress?: (seconds: number, responses: number) => void },
): Promise<LoadResult> {
  const samples = new Samples();
  let responses = 0;
  let connectionIndex = 0;
  // autocannon calls verifyBody for every response, right after its "response" event: non-2xx ones are counted as
  // non2xx, not as mismatches, so only 2xx bodies are verified here.
  let lastStatus = 0;
  let firstFailure: string | undefined;
  const verifyBody = (body: string): boolean => {
    const ok = lastStatus >= 200 && lastStatus < 300 ? spec.verifyBody(body) : true;
    if ((!ok || lastStatus >= 300) && firstFailure === undefined) firstFailure = `${lastStatus} ${body.slice(0, 400)}`;
    return ok;
  };
  const startedNs = process.hrtime.bigint();
  let finished: (error: unknown, result: autocannon.Result) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finished = (error, result) => (error === null || error === undefined ? resolve(result) : reject(error));
  });
  const instance = autocannon(
    {
      url: spec.origin,
      connections: options.connections,
      duration: options.durationSeconds,
      method: "POST",
      requests: [{ method: "POST", path: spec.path, headers: spec.headers, body: spec.body }],
      verifyBody: (body) => verifyBody(String(body)),
      setupClient:
        spec.headersForConnection === undefined
          ? undefined
          : (client) => client.setHeaders(spec.headersForConnection!(connectionIndex++)),
    },
    (error, result) => finished(error, result),
  );
  instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
    responses++;
    lastStatus = statusCode;
    if (statusCode >= 200 && statusCode < 300) samples.push(responseTimeMs);
  });
  let seconds = 0;
  instance.on("tick", () => options.onProgress?.(++seconds, responses));
  const result = await done;
  const elapsedSeconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  const twoHundreds = result["2xx"];
  const ok = twoHundreds - result.mismatches;
  const raw = samples.toArray();
  return {
    connections: options.connections,
    elapsedSeconds,
    responses,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    firstFailure,
    requestsPerSecond: ok / elapsedSeconds,
    latencyMs: summarizeLatency(raw),
    samples: raw,
  };
}
