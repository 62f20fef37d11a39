import { randomUUID } from "node:crypto";
import type { Db } from "../../src/domain/db";
import type { Logger } from "../../src/domain/logger";

// Budgets and recorded alerts straight in the database: delivery and the budgetAlerts query are tested apart from
// the code that records alerts when a charge crosses a threshold.

type Period = "DAILY" | "WEEKLY" | "MONTHLY" | "TOTAL";

export async function createUserBudget(
  db: Db,
  options: { userId?: string; period?: Period; limitMicros?: bigint } = {},
): Promise<{ userId: string; budgetId: string }> {
  const userId = options.userId ?? (await db.user.create({ data: { email: `${randomUUID()}@example.com` } })).id;
  const budget = await db.budget.create({
    data: { userId, period: options.period ?? "MONTHLY", limitMicros: options.limitMicros ?? 10_000_000n },
  });
  return { userId, budgetId: budget.id };
}

export async function createTeamBudget(
  db: Db,
  options: { period?: Period; limitMicros?: bigint } = {},
): Promise<{ teamId: string; budgetId: string }> {
  const team = await db.team.create({ data: { name: `team-${randomUUID()}` } });
  const budget = await db.budget.create({
    data: { teamId: team.id, period: options.period ?? "MONTHLY", limitMicros: options.limitMicros ?? 10_000_000n },
  });
  return { teamId: team.id, budgetId: budget.id };
}

/** A recorded, undelivered alert, due now unless `nextAttemptAt` says otherwise. */
export function insertAlert(
  db: Db,
  budgetId: string,
  options: {
    thresholdPercent?: number;
    periodStart?: Date;
    spentMicros?: bigint;
    limitMicros?: bigint;
    createdAt?: Date;
  } = {},
) {
  const thresholdPercent = options.thresholdPercent ?? 80;
  const limitMicros = options.limitMicros ?? 10_000_000n;
  return db.budgetAlert.create({
    data: {
      budgetId,
      thresholdPercent,
      periodStart: options.periodStart ?? new Date("2026-11-01T00:00:00Z"),
      spentMicros: options.spentMicros ?? (limitMicros * BigInt(thresholdPercent)) / 100n,
      limitMicros,
      ...(options.createdAt === undefined ? {} : { createdAt: options.createdAt }),
    },
  });
}

/** A Logger that keeps every line, serialized, to search for what must never be logged. */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const record = (level: string) => (details: object, message: string) =>
    void lines.push(JSON.stringify({ level, message, ...details }));
  return { logger: { info: record("info"), warn: record("warn"), error: record("error") }, lines };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
