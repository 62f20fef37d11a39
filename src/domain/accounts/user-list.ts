import type { User } from "../../generated/prisma/client";
import type { Db } from "../db";
import type { Role } from "../enums";
import { badInput } from "../errors";
import { isUuid } from "../ids";
import { pageSize, type Page, type PageRequest } from "../pagination";

// The users connection, in email order (what an admin scans; emails are unique, so the email alone is the cursor).
// Every filter is served by an index: search by the email's trigrams (users_email_trgm_idx), role by (role, email),
// team by team_id; the rest is an index walk in email order that stops after a page.

export const MAX_SEARCH_LENGTH = 320;

export interface UserFilter extends PageRequest {
  /** Any part of the email, case-insensitively; blank: no filter. */
  search?: string | null;
  role?: Role | null;
  teamId?: string | null;
}

const encodeCursor = (email: string): string => Buffer.from(email).toString("base64url");

/** A user's cursor in the connection: its email (unique, and the order). */
export const userCursor = (user: { email: string }): string => encodeCursor(user.email);

function decodeCursor(cursor: string): string {
  const email = Buffer.from(cursor, "base64url").toString();
  if (email.length === 0 || email.length > MAX_SEARCH_LENGTH || encodeCursor(email) !== cursor) {
    throw badInput("after", "after is not a cursor this API returned");
  }
  return email;
}

/** LIKE's wildcards and its escape character, taken literally. */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (character) => `\\${character}`);

/**
 * A search with 3 letters or digits in a row matches any part of the email; a shorter one, its start (a trigram index
 * finds neither a substring nor anything else with fewer than 3 letters or digits without reading every email; their
 * beginnings it does find).
 */
function searchCondition(search: string) {
  if (search === "") return {};
  if (!/[\p{L}\p{N}]/u.test(search)) throw badInput("search", "search needs a letter or a digit");
  const pattern = escapeLike(search);
  const anywhere = /[\p{L}\p{N}]{3}/u.test(search);
  return { email: anywhere ? { contains: pattern, mode: INSENSITIVE } : { startsWith: pattern, mode: INSENSITIVE } };
}

const INSENSITIVE = "insensitive" as const;

export async function listUsers(db: Db, filter: UserFilter): Promise<Page<User>> {
  const size = pageSize(filter.first);
  const search = filter.search?.trim() ?? "";
  if (search.length > MAX_SEARCH_LENGTH) {
    throw badInput("search", `search must be at most ${MAX_SEARCH_LENGTH} characters`);
  }
  const teamId = filter.teamId ?? null;
  if (teamId !== null && !isUuid(teamId)) return { items: [], hasNextPage: false, endCursor: null };
  const after = filter.after === null || filter.after === undefined ? null : decodeCursor(filter.after);
  const rows = await db.user.findMany({
    where: {
      AND: [
        searchCondition(search),
        filter.role === null || filter.role === undefined ? {} : { role: filter.role },
        teamId === null ? {} : { teamId },
        after === null ? {} : { email: { gt: after } },
      ],
    },
    orderBy: { email: "asc" },
    take: size + 1,
  });
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items, hasNextPage: rows.length > size, endCursor: last === undefined ? null : encodeCursor(last.email) };
}
