import type { Principal } from "../accounts/principal";

/**
 * Per-user images per minute, shared by every server process. `consume` throws RATE_LIMITED (with
 * retryAfterSeconds) when the request's images do not fit; it is called before anything is held.
 */
export interface ImageRateLimiter {
  consume(principal: Principal, images: number): Promise<void>;
  close(): Promise<void>;
}

/** A user's own limit when an admin set one, else the deployment's default; null means unlimited. */
export function effectiveImagesPerMinute(
  overridePerMinute: number | null,
  defaultPerMinute: number | null | undefined,
): number | null {
  return overridePerMinute ?? defaultPerMinute ?? null;
}
