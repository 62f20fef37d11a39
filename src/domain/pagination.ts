import { isSupportedDate } from "./dates";
import { badInput } from "./errors";
import { isUuid } from "./ids";

// Keyset pagination over (createdAt DESC, id DESC): stable under inserts, and an index probe per page at any depth.

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  endCursor: string | null;
}

interface Position {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString("base64url");
}

function decodeCursor(cursor: string): Position {
  const [iso, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const createdAt = new Date(iso ?? "");
  // A date outside the supported years is no row's createdAt, and Prisma cannot even send some of them.
  if (id === undefined || !isUuid(id) || !isSupportedDate(createdAt)) {
    throw badInput("after", "after is not a cursor this API returned");
  }
  return { createdAt, id };
}

export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput("first", `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** The Prisma `where` fragment for rows strictly after the cursor in (createdAt DESC, id DESC) order. */
export function afterCursor(after: string | null | undefined) {
  if (after === null || after === undefined) return {};
  const { createdAt, id } = decodeCursor(after);
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}

export const NEWEST_FIRST = [{ createdAt: "desc" as const }, { id: "desc" as const }];

/** Turns `size + 1` fetched rows into a page. */
export function toPage<T extends Position>(rows: T[], size: number): Page<T> {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items, hasNextPage: rows.length > size, endCursor: last === undefined ? null : encodeCursor(last) };
}
