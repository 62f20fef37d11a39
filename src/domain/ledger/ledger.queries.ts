import type { Principal } from "../accounts/principal";
import { assertCanRead } from "../accounts/principal";
import type { Db } from "../db";
import { checkDate, EARLIEST_DATE_MS, LATEST_DATE_MS } from "../dates";
import { isUuid } from "../ids";
import { afterCursor, NEWEST_FIRST, pageSize, toPage, type Page, type PageRequest } from "../pagination";
import type { LedgerEntryRecord } from "./ledger-entry";

export async function listLedger(
  db: Db,
  principal: Principal,
  args: PageRequest & { userId?: string | null },
): Promise<Page<LedgerEntryRecord>> {
  const userId = args.userId ?? principal.userId;
  assertCanRead(principal, userId);
  const size = pageSize(args.first);
  if (!isUuid(userId)) return toPage([], size);
  const rows = await db.ledgerEntry.findMany({
    where: { userId, ...afterCursor(args.after) },
    orderBy: NEWEST_FIRST,
    take: size + 1,
  });
  return toPage(rows, size);
}

export interface OpenEndedRange {
  from?: Date | null;
  to?: Date | null;
}

/** A spend query's window: the bounds given, checked (BAD_USER_INPUT naming them), and the open ends filled in. */
export function spendWindow(range: OpenEndedRange): { from: Date; to: Date } {
  for (const field of ["from", "to"] as const) {
    const at = range[field];
    if (at !== null && at !== undefined) checkDate(field, at);
  }
  return { from: range.from ?? new Date(EARLIEST_DATE_MS), to: range.to ?? new Date(LATEST_DATE_MS) };
}
