import DataLoader from "dataloader";
import type { Db } from "../domain/db";
import type { Loaders } from "./context";

/** One query per kind of row per request, however many rows a list resolves. */
export function createLoaders(db: Db): Loaders {
  return {
    userById: new DataLoader(async (ids: readonly string[]) => {
      const users = await db.user.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(users.map((user) => [user.id, user]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    teamById: new DataLoader(async (ids: readonly string[]) => {
      const teams = await db.team.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(teams.map((team) => [team.id, team]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    generationById: new DataLoader(async (ids: readonly string[]) => {
      const generations = await db.imageGeneration.findMany({
        where: { id: { in: [...ids] } },
        include: { images: { orderBy: { index: "asc" } } },
      });
      const byId = new Map(generations.map((generation) => [generation.id, generation]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
