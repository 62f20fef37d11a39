import type { Db } from "../db";
import { recordCrossedThresholds } from "../budgets/alert-recording";
import { budgetUsages } from "../budgets/budget-usage";
import type { GenerationRecord } from "./generation-record";
import type { OpenedGeneration } from "./open-generation";
import { settleGenerations, type SettleArgs } from "./settle-generation";

const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 } as const;

/**
 * The settle of a generation some budget applies to: alone in a transaction that first takes the team's lock (as
 * the hold did) and then records the alert thresholds the charge crossed, so that concurrent charges of a team's
 * members cannot each miss a crossing that only their sum makes. Null when the hold was no longer open.
 */
export function settleBudgeted(
  db: Db,
  timeZone: string,
  userId: string,
  opened: OpenedGeneration,
  settle: SettleArgs,
): Promise<GenerationRecord | null> {
  return db.$transaction(async (tx) => {
    if (opened.teamBudgeted) {
      // The hold's order, user then team: the other order deadlocks against a member's concurrent hold.
      await tx.$queryRaw`SELECT id FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
      await tx.$queryRaw`SELECT id FROM teams WHERE id = ${opened.teamId}::uuid FOR UPDATE`;
    }
    const [generation = null] = await settleGenerations(tx, [settle], timeZone);
    if (generation !== null) {
      const owners = { userId, teamId: opened.teamId };
      await recordCrossedThresholds(tx, await budgetUsages(tx, owners, settle.at, timeZone));
    }
    return generation;
  }, TRANSACTION_OPTIONS);
}
