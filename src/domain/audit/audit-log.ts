import type { Prisma } from "../../generated/prisma/client";
import type { Db, Tx } from "../db";
import { afterCursor, NEWEST_FIRST, pageSize, toPage, type PageRequest } from "../pagination";

export interface AuditEntry {
  actorId: string | null;
  /** A verb in the API's words, e.g. "grantCredits", "setBudget". */
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

/** JSON for the audit log: bigints (micro-dollars) become strings, dates ISO strings. */
function toJson(value: unknown): Prisma.InputJsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  return JSON.parse(
    JSON.stringify(value, (_key, item: unknown) => (typeof item === "bigint" ? item.toString() : item)),
  );
}

/** Records an administrative change. Call it in the transaction that makes the change, so neither exists alone. */
export async function recordAudit(tx: Tx, entry: AuditEntry): Promise<void> {
  await tx.auditLogEntry.create({
    data: {
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: toJson(entry.before),
      after: toJson(entry.after),
    },
  });
}

export async function listAuditLog(db: Db, args: PageRequest & { targetId?: string | null; action?: string | null }) {
  const size = pageSize(args.first);
  const rows = await db.auditLogEntry.findMany({
    where: {
      ...(args.targetId ? { targetId: args.targetId } : {}),
      ...(args.action ? { action: args.action } : {}),
      ...afterCursor(args.after),
    },
    orderBy: NEWEST_FIRST,
    take: size + 1,
  });
  return toPage(rows, size);
}
