import type { Db } from "../db";
import { describeError, type Logger } from "../logger";

/** A key's use, as written to `api_keys.last_used_at`. */
export interface KeyUse {
  apiKeyId: string;
  at: Date;
}

/** lastUsedAt is to the minute: a process writes a key's use at most this often. */
export const KEY_USE_RESOLUTION_MS = 60_000;
/** Keys whose last write this process remembers; past it, it forgets them all (each then costs one write more). */
const MAX_REMEMBERED_KEYS = 10_000;
/** Uses written by one statement; more wait for the next. */
const MAX_USES_PER_WRITE = 1_000;

/**
 * Records when keys are used, off the request's path: `touch` only notes the use in memory, at most once a minute
 * per key, and returns; the uses noted while a write is on its way go together in the next one statement. A failed
 * write is logged and dropped (those keys are written again at their next use): lastUsedAt never fails or slows a
 * request.
 */
export class KeyUsageRecorder {
  private readonly writtenAtMs = new Map<string, number>();
  private pending = new Map<string, Date>();
  private writing: Promise<void> | null = null;

  constructor(
    private readonly write: (uses: KeyUse[]) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  touch(apiKeyId: string, at: Date): void {
    const lastMs = this.writtenAtMs.get(apiKeyId);
    const sinceMs = lastMs === undefined ? Infinity : at.getTime() - lastMs;
    // A clock moved back (a test's, or NTP) counts as a new minute rather than silencing the key.
    if (sinceMs >= 0 && sinceMs < KEY_USE_RESOLUTION_MS) return;
    if (lastMs === undefined && this.writtenAtMs.size >= MAX_REMEMBERED_KEYS) this.writtenAtMs.clear();
    this.writtenAtMs.set(apiKeyId, at.getTime());
    this.pending.set(apiKeyId, at);
    this.writing ??= this.writeAll();
  }

  /** Resolves once every use noted so far is written (or its write has failed): for shutdown, and for tests. */
  async flush(): Promise<void> {
    while (this.writing !== null) await this.writing;
  }

  private async writeAll(): Promise<void> {
    // Let the uses of this tick join the first write.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.size > 0) {
      const uses = [...this.pending].slice(0, MAX_USES_PER_WRITE).map(([apiKeyId, at]) => ({ apiKeyId, at }));
      for (const use of uses) this.pending.delete(use.apiKeyId);
      try {
        await this.write(uses);
      } catch (error) {
        for (const use of uses) this.writtenAtMs.delete(use.apiKeyId);
        this.logger.warn({ keys: uses.length, cause: describeError(error) }, "could not record API keys' last use");
      }
    }
    this.writing = null;
  }
}

/** One statement for many keys; a later use never moves lastUsedAt back (several processes write the same key). */
export async function writeKeyUses(db: Db, uses: KeyUse[]): Promise<void> {
  await db.$executeRaw`
    UPDATE api_keys k SET last_used_at = u.at
      FROM unnest(${uses.map((use) => use.apiKeyId)}::uuid[], ${uses.map((use) => use.at.toISOString())}::timestamptz[]) AS u(id, at)
     WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`;
}
