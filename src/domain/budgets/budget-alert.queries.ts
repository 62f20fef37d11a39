import { canReadOthers, type Principal } from "../accounts/principal";
import type { Db } from "../db";
import { badInput, roleRequired } from "../errors";
import { isUuid } from "../ids";
import { afterCursor, NEWEST_FIRST, pageSize, toPage, type Page, type PageRequest } from "../pagination";

export interface BudgetAlertRecord {
  id: string;
  budgetId: string;
  periodStart: Date;
  thresholdPercent: number;
  spentMicros: bigint;
  limitMicros: bigint;
  createdAt: Date;
  deliveredAt: Date | null;
  attempts: number;
  lastError: string | null;
  budget: { userId: string | null; teamId: string | null; period: string };
}

export interface BudgetAlertFilter extends PageRequest {
  userId?: string | null;
  teamId?: string | null;
}

/** Which budgets' alerts the caller asked for and may see; null when no budget can match. */
function budgetFilter(principal: Principal, filter: BudgetAlertFilter) {
  const userId = filter.userId ?? undefined;
  const teamId = filter.teamId ?? undefined;
  if (userId !== undefined && teamId !== undefined) {
    throw badInput("teamId", "give userId or teamId, not both: a budget belongs to one of them");
  }
  if (!canReadOthers(principal)) {
    // A member sees the alerts of its own user budgets only, not its team's.
    if (teamId !== undefined || (userId !== undefined && userId !== principal.userId)) {
      throw roleRequired(["FINANCE", "ADMIN"], "Alerts of a team's or another user's budgets");
    }
    return { userId: principal.userId };
  }
  if (userId !== undefined) return isUuid(userId) ? { userId } : null;
  if (teamId !== undefined) return isUuid(teamId) ? { teamId } : null;
  return {};
}

/** Budget alerts, newest first: everyone's (or one user's or team's) for FINANCE and ADMIN, a member's own. */
export async function listBudgetAlerts(
  db: Db,
  principal: Principal,
  filter: BudgetAlertFilter,
): Promise<Page<BudgetAlertRecord>> {
  const size = pageSize(filter.first);
  const budget = budgetFilter(principal, filter);
  if (budget === null) return toPage([], size);
  const rows = await db.budgetAlert.findMany({
    where: { budget, ...afterCursor(filter.after) },
    orderBy: NEWEST_FIRST,
    take: size + 1,
    include: { budget: { select: { userId: true, teamId: true, period: true } } },
  });
  return toPage(rows, size);
}
