import type { Principal } from "../accounts/principal";
import { recordAudit } from "../audit/audit-log";
import type { Db } from "../db";
import { badInput, notFound } from "../errors";
import { isUuid } from "../ids";

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/**
 * Sets (or, with null, clears) a user's own images-per-minute limit, audited in the same transaction. The row is
 * locked while it is read, so the audit's "before" is the value this change replaced, even under concurrent edits.
 */
export async function setUserRateLimit(
  db: Db,
  actor: Principal,
  input: { userId: string; imagesPerMinute: number | null },
) {
  const { userId, imagesPerMinute } = input;
  if (imagesPerMinute !== null && !(Number.isInteger(imagesPerMinute) && imagesPerMinute > 0)) {
    throw badInput("imagesPerMinute", "imagesPerMinute must be a positive whole number, or null to clear it");
  }
  if (!isUuid(userId)) throw notFound("User");
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ rate_limit_per_minute: number | null }[]>`
      SELECT rate_limit_per_minute FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    const before = rows[0];
    if (before === undefined) throw notFound("User");
    const user = await tx.user.update({ where: { id: userId }, data: { rateLimitPerMinute: imagesPerMinute } });
    await recordAudit(tx, {
      actorId: actor.userId,
      action: "setUserRateLimit",
      targetType: "User",
      targetId: userId,
      before: { imagesPerMinute: before.rate_limit_per_minute },
      after: { imagesPerMinute },
    });
    return user;
  }, TRANSACTION_OPTIONS);
}
