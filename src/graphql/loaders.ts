import DataLoader from "dataloader";
import type { Db } from "../domain/db";
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
      return teamIds.map((teamId) => members.filter((member) => member.teamId === teamId));
    }),
    generationById: loaderById((ids) =>
      db.imageGeneration.findMany({ where: { id: { in: ids } }, include: { images: { orderBy: { index: "asc" } } } }),
    ),
  };
}
