import type { Db } from "../db";
import { hashSecret, keyExpired, principalOfKey } from "./api-keys";
import type { Principal } from "./principal";

/**
 * Authentication with the principals of recently used keys kept in memory: one round trip fewer on every request.
 * What is kept is only trusted while the database's change notifications are being received (`trust`, `distrust`:
 * see migration principal_notifications); any change announced forgets everything (`forget`), and entries expire
 * after `ttlMs` regardless. Unknown keys are never kept, so a new key works at once. A key's expiry is compared with
 * the clock at every request, kept or looked up: an expired key is refused at its instant, in every process, with no
 * notification needed. Each accepted use is told to `recordUse` (lastUsedAt, written in the background).
 */
export class Authenticator {
  private readonly principals = new Map<string, { principal: Principal; expiresAtMs: number }>();
  private trusted = false;
  /** Counts the announced changes, so that a lookup answered across one is not kept. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly options: {
      ttlMs: number;
      maxEntries: number;
      /** The clock keys expire by (tests move it); the system clock by default. */
      now?: () => Date;
      recordUse?: (apiKeyId: string, at: Date) => void;
    },
  ) {}

  async authenticate(secret: string): Promise<Principal | null> {
    const principal = await this.principalOf(hashSecret(secret));
    if (principal === null) return null;
    const now = this.options.now?.() ?? new Date();
    if (keyExpired(principal, now)) return null;
    this.options.recordUse?.(principal.apiKeyId, now);
    return principal;
  }

  private async principalOf(hash: string): Promise<Principal | null> {
    const nowMs = Date.now();
    const kept = this.trusted ? this.principals.get(hash) : undefined;
    if (kept !== undefined && kept.expiresAtMs > nowMs) return kept.principal;

    const trustedBefore = this.trusted;
    const generation = this.generation;
    const principal = await principalOfKey(this.db, hash);
    // Kept only if no change was announced (and trust was not lost) while the lookup was on its way.
    if (principal !== null && trustedBefore && this.trusted && generation === this.generation) {
      if (this.principals.size >= this.options.maxEntries) this.principals.clear();
      this.principals.set(hash, { principal, expiresAtMs: nowMs + this.options.ttlMs });
    }
    return principal;
  }

  /** Change notifications are flowing: what is kept from now on can be trusted. */
  trust(): void {
    this.forget();
    this.trusted = true;
  }

  /** Notifications may be missed: keep nothing. */
  distrust(): void {
    this.trusted = false;
    this.forget();
  }

  /** A change was announced. */
  forget(): void {
    this.generation++;
    this.principals.clear();
  }
}
