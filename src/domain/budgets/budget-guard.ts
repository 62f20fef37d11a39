import type { Tx } from "../db";
import { DomainError, notFound } from "../errors";
import { formatMoney } from "../money";
import { budgetUsages, remainingMicros, type BudgetUsage } from "./budget-usage";

export interface AccountLock {
  teamId: string | null;
  /** The budgets that apply, as they stood when checked; empty when none do. */
  budgets: BudgetUsage[];
}

/**
 * Locks the caller's account (and its team's, when the team has budgets) and refuses a hold that would pass any
 * budget that applies, counting what is spent in the period and what is held now. Called in the transaction that
 * places the hold, so the check and the hold are one atomic step: every other request of this user, or of any
 * member of a budgeted team, waits on the same row locks, on any server process.
 */
export async function lockAccountAndCheckBudgets(
  tx: Tx,
  args: { userId: string; holdMicros: bigint; at: Date; timeZone: string },
): Promise<AccountLock> {
  const accounts = await tx.$queryRaw<{ teamId: string | null; userBudgets: boolean; teamBudgets: boolean }[]>`
    SELECT u.team_id AS "teamId",
           EXISTS (SELECT 1 FROM budgets b WHERE b.user_id = u.id) AS "userBudgets",
           (u.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM budgets b WHERE b.team_id = u.team_id)) AS "teamBudgets"
      FROM users u WHERE u.id = ${args.userId}::uuid
       FOR UPDATE`;
  const account = accounts[0];
  if (account === undefined) throw notFound("User");
  if (!account.userBudgets && !account.teamBudgets) return { teamId: account.teamId, budgets: [] };
  if (account.teamBudgets) await tx.$queryRaw`SELECT id FROM teams WHERE id = ${account.teamId}::uuid FOR UPDATE`;

  const budgets = await budgetUsages(
    tx,
    { userId: account.userBudgets ? args.userId : null, teamId: account.teamBudgets ? account.teamId : null },
    args.at,
    args.timeZone,
  );
  for (const budget of budgets) {
    if (budget.spentMicros + budget.heldMicros + args.holdMicros > budget.limitMicros) {
      throw new DomainError(
        "BUDGET_EXCEEDED",
        `This request (${formatMoney(args.holdMicros)}) would pass the ${budget.scope.toLowerCase()}'s ` +
          `${budget.period} budget of ${formatMoney(budget.limitMicros)}; ${formatMoney(remainingMicros(budget))} remains`,
        { period: budget.period, scope: budget.scope, limit: formatMoney(budget.limitMicros), remaining: formatMoney(remainingMicros(budget)) },
      );
    }
  }
  return { teamId: account.teamId, budgets };
}
