import type { Tx } from "../db";
import type { BudgetUsage } from "./budget-usage";

/**
 * Records an alert for every threshold a budget's period spend has reached. The unique key (budget, period start,
 * threshold) makes this "first crossing only", across processes: later charges in the same period insert nothing.
 * The rows are an outbox: alert-delivery.ts sends them to the webhook after commit.
 */
export async function recordCrossedThresholds(tx: Tx, budgets: BudgetUsage[]): Promise<number> {
  const crossed = budgets.flatMap((budget) =>
    budget.alertThresholds
      .filter((percent) => budget.spentMicros * 100n >= budget.limitMicros * BigInt(percent))
      .map((percent) => ({
        budgetId: budget.id,
        periodStart: budget.periodStart,
        thresholdPercent: percent,
        spentMicros: budget.spentMicros,
        limitMicros: budget.limitMicros,
      })),
  );
  if (crossed.length === 0) return 0;
  const { count } = await tx.budgetAlert.createMany({ data: crossed, skipDuplicates: true });
  return count;
}
