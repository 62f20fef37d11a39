import type { Prisma } from "../../generated/prisma/client";
import type { Db, Tx } from "../db";
import { checkDate } from "../dates";
import { badInput } from "../errors";
import { afterCursor, NEWEST_FIRST, pageSize, toPage, type PageRequest } from "../pagination";
import { isAuditAction, type AuditAction } from "./audit-actions";

export interface AuditEntry {
  actorId: string | null;
  /** A verb in the API's words, e.g. "grantCredits", "setBudget" (audit-actions.ts lists them). */
  action: AuditAction;
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

export interface AuditLogFilter extends PageRequest {
  targetId?: string | null;
  /** Checked against audit-actions.ts: an unknown action is BAD_USER_INPUT, never an empty page. */
  action?: string | null;
  /** Entries made at or after. */
  from?: Date | null;
  /** Entries made before. */
  to?: Date | null;
}

export async function listAuditLog(db: Db, args: AuditLogFilter) {
  const size = pageSize(args.first);
  const action = args.action ?? null;
  if (action !== null && !isAuditAction(action)) throw badInput("action", `unknown action ${JSON.stringify(action)}`);
  const from = args.from ?? null;
  const to = args.to ?? null;
  if (from !== null) checkDate("from", from);
  if (to !== null) checkDate("to", to);
  if (from !== null && to !== null && to.getTime() <= from.getTime()) throw badInput("to", "to must be after from");
  const createdAt = { ...(from === null ? {} : { gte: from }), ...(to === null ? {} : { lt: to }) };
  const rows = await db.auditLogEntry.findMany({
    where: {
      AND: [
        args.targetId ? { targetId: args.targetId } : {},
        action === null ? {} : { action },
        from === null && to === null ? {} : { createdAt },
        afterCursor(args.after),
      ],
    },
    orderBy: NEWEST_FIRST,
    take: size + 1,
  });
  return toPage(rows, size);
}
