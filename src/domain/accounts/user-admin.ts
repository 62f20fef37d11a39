import { recordAudit } from "../audit/audit-log";
import type { Db } from "../db";
import type { Role } from "../enums";
import { DomainError, notFound } from "../errors";
import { isUuid } from "../ids";

// setUserRole and setUserActive. Both change what a principal is made of: the users table's trigger announces it
// to every process when the change commits (migration user_admin_controls), and each forgets the principals it kept.

type UserChange = { role: Role } | { active: boolean };

export async function setUserRole(db: Db, args: { actorId: string; userId: string; role: Role }) {
  return changeUser(db, args.actorId, args.userId, { role: args.role });
}

/** An inactive user's keys are refused; its history, credits and budgets stay. */
export async function setUserActive(db: Db, args: { actorId: string; userId: string; active: boolean }) {
  return changeUser(db, args.actorId, args.userId, { active: args.active });
}

async function changeUser(db: Db, actorId: string, userId: string, change: UserChange) {
  if (!isUuid(userId)) throw notFound("User");
  return db.$transaction(async (tx) => {
    // Every active admin's row first, in one order: two admins demoting each other at once are serialized, and the
    // second sees the first's change (READ COMMITTED re-checks locked rows), so one of them always remains.
    const admins = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM users WHERE role = 'ADMIN' AND active ORDER BY id FOR UPDATE`;
    const [user] = await tx.$queryRaw<{ id: string; role: Role; active: boolean }[]>`
      SELECT id, role::text AS role, active FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    if (user === undefined) throw notFound("User");
    const before = "role" in change ? { role: user.role } : { active: user.active };
    const next = { role: user.role, active: user.active, ...change };
    if (next.role === user.role && next.active === user.active)
      return tx.user.findUniqueOrThrow({ where: { id: user.id } });
    const wasActiveAdmin = user.role === "ADMIN" && user.active;
    if (wasActiveAdmin && !(next.role === "ADMIN" && next.active) && admins.length <= 1) {
      const field = "role" in change ? "role" : "active";
      throw new DomainError(
        "CONFLICT",
        "This is the last active ADMIN: make another user ADMIN (or activate one) first, so that someone can still " +
          "administer imagegate",
        { field, reason: "LAST_ACTIVE_ADMIN" },
      );
    }
    const updated = await tx.user.update({ where: { id: user.id }, data: change });
    await recordAudit(tx, {
      actorId,
      action: "role" in change ? "setUserRole" : "setUserActive",
      targetType: "User",
      targetId: user.id,
      before,
      after: change,
    });
    return updated;
  });
}
