import DataLoader from "dataloader";
import type { Db } from "../domain/db";
import { WITH_IMAGES } from "../domain/generation/generation.queries";
import type { Loaders } from "./context";

/** Batches the ids asked for in one tick into one query, and answers each id with its row or null. */
function loaderById<T extends { id: string }>(findMany: (ids: string[]) => Promise<T[]>) {
  return new DataLoader(async (ids: readonly string[]) => {
    const byId = new Map((await findMany([...ids])).map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** One query per kind of row per request, however many rows a list resolves. */
export function createLoaders(db: Db): Loaders {
  return {
    userById: loaderById((ids) => db.user.findMany({ where: { id: { in: ids } } })),
    teamById: loaderById((ids) => db.team.findMany({ where: { id: { in: ids } } })),
    membersByTeamId: new DataLoader(async (teamIds: readonly string[]) => {
      const members = await db.user.findMany({ where: { teamId: { in: [...teamIds] } }, orderBy: { email: "asc" } });
      const byTeam = new Map<string, typeof members>(teamIds.map((teamId) => [teamId, []]));
      for (const member of members) byTeam.get(member.teamId!)?.push(member);
      return teamIds.map((teamId) => byTeam.get(teamId)!);
    }),
    generationById: loaderById((ids) =>
      db.imageGeneration.findMany({ where: { id: { in: ids } }, include: WITH_IMAGES }),
    ),
  };
}
