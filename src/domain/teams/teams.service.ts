import { recordAudit } from "../audit/audit-log";
import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { badInput, notFound } from "../errors";
import { isUuid } from "../ids";

const MAX_TEAM_NAME_LENGTH = 100;

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_TEAM_NAME_LENGTH) {
    throw badInput("name", `name must be 1 to ${MAX_TEAM_NAME_LENGTH} characters`);
  }
  return trimmed;
}

/** Names are unique among teams not deleted (teams_name_key): a deleted team's name may be used again. */
const nameTaken = () => badInput("name", "a team with this name already exists");

export async function createTeam(db: Db, args: { actorId: string; name: string }) {
  const name = checkName(args.name);
  try {
    return await db.$transaction(async (tx) => {
      const team = await tx.team.create({ data: { name } });
      await recordAudit(tx, {
        actorId: args.actorId,
        action: "createTeam",
        targetType: "Team",
        targetId: team.id,
        after: team,
      });
      return team;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

/** Moves a user into a team, or out of any (teamId null). Spend already charged stays with the team it was charged to. */
export async function setUserTeam(db: Db, args: { actorId: string; userId: string; teamId: string | null }) {
  if (!isUuid(args.userId)) throw notFound("User");
  if (args.teamId !== null && !isUuid(args.teamId)) throw notFound("Team");
  return db.$transaction(async (tx) => {
    // The user's row before the team's, in the order holds and deleteTeam take them.
    const [before] = await tx.$queryRaw<{ teamId: string | null }[]>`
      SELECT team_id AS "teamId" FROM users WHERE id = ${args.userId}::uuid FOR UPDATE`;
    if (before === undefined) throw notFound("User");
    // FOR SHARE: a deleteTeam in progress (which takes it FOR UPDATE, after its members' rows) finishes first.
    if (args.teamId !== null) {
      const live = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM teams WHERE id = ${args.teamId}::uuid AND deleted_at IS NULL FOR SHARE`;
      if (live.length === 0) throw notFound("Team");
    }
    const user = await tx.user.update({ where: { id: args.userId }, data: { teamId: args.teamId } });
    await recordAudit(tx, {
      actorId: args.actorId,
      action: "setUserTeam",
      targetType: "User",
      targetId: args.userId,
      before: { teamId: before.teamId },
      after: { teamId: args.teamId },
    });
    return user;
  });
}

export async function renameTeam(db: Db, args: { actorId: string; teamId: string; name: string }) {
  const name = checkName(args.name);
  if (!isUuid(args.teamId)) throw notFound("Team");
  try {
    return await db.$transaction(async (tx) => {
      const before = await tx.team.findFirst({ where: { id: args.teamId, deletedAt: null } });
      if (before === null) throw notFound("Team");
      const team = await tx.team.update({ where: { id: before.id }, data: { name } });
      await recordAudit(tx, {
        actorId: args.actorId,
        action: "renameTeam",
        targetType: "Team",
        targetId: team.id,
        before: { name: before.name },
        after: { name },
      });
      return team;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken();
    throw error;
  }
}

/**
 * Deletes a team softly: the row stays, marked deleted, so that spend already charged to it is still reported under
 * its name (generations and spend aggregates keep its id); its members leave it and its budgets (with their alerts)
 * are removed, so nothing is held against it any more. Its name is free for a new team.
 */
export async function deleteTeam(db: Db, args: { actorId: string; teamId: string }): Promise<void> {
  if (!isUuid(args.teamId)) throw notFound("Team");
  await db.$transaction(async (tx) => {
    // Members' rows, then the team's: the order holds take them (user, then team), so neither waits on the other.
    await tx.$queryRaw`
      SELECT id FROM users WHERE team_id = ${args.teamId}::uuid ORDER BY id FOR UPDATE`;
    const [team] = await tx.$queryRaw<{ id: string; name: string }[]>`
      SELECT id, name FROM teams WHERE id = ${args.teamId}::uuid AND deleted_at IS NULL FOR UPDATE`;
    if (team === undefined) throw notFound("Team");
    const left = await tx.$queryRaw<{ id: string }[]>`
      UPDATE users SET team_id = NULL WHERE team_id = ${team.id}::uuid RETURNING id`;
    const budgets = await tx.budget.findMany({ where: { teamId: team.id } });
    await tx.budget.deleteMany({ where: { teamId: team.id } });
    await tx.team.update({ where: { id: team.id }, data: { deletedAt: new Date() } });
    await recordAudit(tx, {
      actorId: args.actorId,
      action: "deleteTeam",
      targetType: "Team",
      targetId: team.id,
      before: { name: team.name, memberIds: left.map((member) => member.id), budgets },
      after: { deleted: true },
    });
  });
}
