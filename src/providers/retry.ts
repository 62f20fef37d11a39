export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * How long to wait before retry number `attempt + 1`: the server's Retry-After (seconds or an HTTP date)
 * when it gives one we are willing to wait for, else exponential backoff with jitter. Returns undefined
 * when the server asks for longer than maxDelayMs: failing now beats holding the caller's credits.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, headers: Headers | null): number | undefined {
  const requestedMs = headers === null ? undefined : retryAfterMs(headers);
  if (requestedMs !== undefined) return requestedMs <= policy.maxDelayMs ? requestedMs : undefined;
  const backoffMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(backoffMs * (0.75 + Math.random() * 0.25));
}

function retryAfterMs(headers: Headers): number | undefined {
  const millis = headers.get("retry-after-ms");
  if (millis !== null && millis.trim() !== "" && Number.isFinite(Number(millis)) && Number(millis) >= 0) {
    return Number(millis);
  }
  const value = headers.get("retry-after");
  if (value === null || value.trim() === "") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
