import { recordAudit } from "../audit/audit-log";
import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { badInput, notFound } from "../errors";
import { isUuid } from "../ids";

const MAX_TEAM_NAME_LENGTH = 100;

export async function createTeam(db: Db, args: { actorId: string; name: string }) {
  const name = args.name.trim();
  if (name.length === 0 || name.length > MAX_TEAM_NAME_LENGTH) {
    throw badInput("name", `name must be 1 to ${MAX_TEAM_NAME_LENGTH} characters`);
  }
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
    if (isUniqueViolation(error)) throw badInput("name", "a team with this name already exists");
    throw error;
  }
}

/** Moves a user into a team, or out of any (teamId null). Spend already charged stays with the team it was charged to. */
export async function setUserTeam(db: Db, args: { actorId: string; userId: string; teamId: string | null }) {
  if (!isUuid(args.userId)) throw notFound("User");
  if (args.teamId !== null && !isUuid(args.teamId)) throw notFound("Team");
  return db.$transaction(async (tx) => {
    const before = await tx.user.findUnique({ where: { id: args.userId }, select: { teamId: true } });
    if (before === null) throw notFound("User");
    if (args.teamId !== null && (await tx.team.findUnique({ where: { id: args.teamId } })) === null)
      throw notFound("Team");
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
