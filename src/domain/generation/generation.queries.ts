import type { Principal } from "../accounts/principal";
import { assertCanRead } from "../accounts/principal";
import type { Db } from "../db";
import { isUuid } from "../ids";
import { afterCursor, NEWEST_FIRST, pageSize, toPage, type Page, type PageRequest } from "../pagination";
import type { GenerationRecord } from "./generation-record";

/** A generation's images, in index order, as every read of a generation includes them. */
export const WITH_IMAGES = { images: { orderBy: { index: "asc" as const } } };

/** A generation its caller may see, or null. Another user's generation reads as missing to a MEMBER. */
export async function findGeneration(db: Db, principal: Principal, id: string): Promise<GenerationRecord | null> {
  if (!isUuid(id)) return null;
  const generation = await db.imageGeneration.findUnique({ where: { id }, include: WITH_IMAGES });
  if (generation === null) return null;
  if (generation.userId !== principal.userId && principal.role === "MEMBER") return null;
  return generation;
}

/** A user's generations, newest first: the caller's own unless FINANCE or ADMIN name another user. */
export async function listGenerations(
  db: Db,
  principal: Principal,
  args: PageRequest & { userId?: string | null },
): Promise<Page<GenerationRecord>> {
  const userId = args.userId ?? principal.userId;
  assertCanRead(principal, userId);
  const size = pageSize(args.first);
  if (!isUuid(userId)) return toPage([], size);
  const rows = await db.imageGeneration.findMany({
    where: { userId, ...afterCursor(args.after) },
    orderBy: NEWEST_FIRST,
    take: size + 1,
    include: WITH_IMAGES,
  });
  return toPage(rows, size);
}
