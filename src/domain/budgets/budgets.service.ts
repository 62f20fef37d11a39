import { Prisma } from "../../generated/prisma/client";
import { recordAudit } from "../audit/audit-log";
import type { Db } from "../db";
import { badInput, notFound } from "../errors";
import { isUuid } from "../ids";
import { budgetUsages, type BudgetScope, type BudgetUsage } from "./budget-usage";
import type { BudgetPeriod } from "./periods";

export const DEFAULT_ALERT_THRESHOLDS = [80, 100];
const MAX_THRESHOLDS = 10;

export interface SetBudgetInput {
  actorId: string;
  owner: { scope: BudgetScope; id: string };
  period: BudgetPeriod;
  limitMicros: bigint;
  alertThresholds?: number[] | null;
  at: Date;
  timeZone: string;
}

function checkThresholds(thresholds: number[]): number[] {
  const unique = [...new Set(thresholds)].sort((a, b) => a - b);
  if (
    unique.length > MAX_THRESHOLDS ||
    unique.some((percent) => !Number.isInteger(percent) || percent < 1 || percent > 1000)
  ) {
    throw badInput(
      "alertThresholds",
      `alertThresholds must be at most ${MAX_THRESHOLDS} whole percentages from 1 to 1000`,
    );
  }
  return unique;
}

/** Sets the one budget of a user or team for a period (creating or replacing it), audited. */
export async function setBudget(db: Db, input: SetBudgetInput): Promise<BudgetUsage> {
  if (input.limitMicros < 0n) throw badInput("limit", "limit must not be negative");
  const thresholds = checkThresholds(input.alertThresholds ?? DEFAULT_ALERT_THRESHOLDS);
  const { scope, id: ownerId } = input.owner;
  const what = scope === "USER" ? "User" : "Team";
  if (!isUuid(ownerId)) throw notFound(what);
  const owner = scope === "USER" ? { userId: ownerId } : { teamId: ownerId };

  const budgetId = await db.$transaction(async (tx) => {
    // The owner's row lock, not a plain read: concurrent first budgets for one owner and period would otherwise
    // both find none and race to create it, and the loser would hit the unique index.
    const table = Prisma.raw(scope === "USER" ? "users" : "teams");
    // A deleted team (deleteTeam) keeps its row for reports, but takes no budget.
    const live = Prisma.raw(scope === "USER" ? "" : "AND deleted_at IS NULL");
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM ${table} WHERE id = ${ownerId}::uuid ${live} FOR UPDATE`;
    if (locked.length === 0) throw notFound(what);
    const before = await tx.budget.findFirst({ where: { ...owner, period: input.period } });
    const data = { limitMicros: input.limitMicros, alertThresholds: thresholds };
    const budget =
      before === null
        ? await tx.budget.create({ data: { ...owner, period: input.period, ...data } })
        : await tx.budget.update({ where: { id: before.id }, data });
    await recordAudit(tx, {
      actorId: input.actorId,
      action: "setBudget",
      targetType: "Budget",
      targetId: budget.id,
      before,
      after: budget,
    });
    return budget.id;
  });
  const usages = await budgetUsages(
    db,
    scope === "USER" ? { userId: ownerId, teamId: null } : { userId: null, teamId: ownerId },
    input.at,
    input.timeZone,
  );
  return usages.find((usage) => usage.id === budgetId)!;
}

export async function removeBudget(db: Db, args: { actorId: string; budgetId: string }): Promise<void> {
  if (!isUuid(args.budgetId)) throw notFound("Budget");
  await db.$transaction(async (tx) => {
    const budget = await tx.budget.findUnique({ where: { id: args.budgetId } });
    if (budget === null) throw notFound("Budget");
    await tx.budget.delete({ where: { id: budget.id } });
    await recordAudit(tx, {
      actorId: args.actorId,
      action: "removeBudget",
      targetType: "Budget",
      targetId: budget.id,
      before: budget,
    });
  });
}
