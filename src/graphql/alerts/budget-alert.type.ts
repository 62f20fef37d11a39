import { Field, ID, Int, ObjectType } from "type-graphql";
import type { BudgetAlertRecord } from "../../domain/budgets/budget-alert.queries";
import { BudgetPeriod, BudgetScope } from "../account/budget.type";
import { ConnectionType } from "../connection";
import { MoneyScalar } from "../scalars/money.scalar";

@ObjectType("BudgetAlert", {
  description: "Recorded once per budget, period and threshold, when the period's spend first crosses it.",
})
export class BudgetAlertType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  budgetId!: string;

  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => ID, { description: "The user's id for a USER budget, the team's for a TEAM budget." })
  ownerId!: string;

  @Field(() => BudgetPeriod)
  period!: BudgetPeriod;

  @Field({ description: "Start of the budget period the alert belongs to." })
  periodStart!: Date;

  @Field(() => Int)
  thresholdPercent!: number;

  @Field(() => MoneyScalar, { description: "The period's spend right after the charge that crossed the threshold." })
  spent!: bigint;

  @Field(() => MoneyScalar, { description: "The budget's limit at that moment." })
  limit!: bigint;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the webhook acknowledged it; null until then." })
  deliveredAt!: Date | null;

  @Field(() => Int, { description: "Webhook deliveries tried so far." })
  attempts!: number;

  @Field(() => String, { nullable: true, description: "Why the last delivery failed: a status or an error class." })
  lastError!: string | null;

  // `user` and `team` are field resolvers (batched by loaders).
  userId!: string | null;
  teamId!: string | null;
}

export const BudgetAlertConnection = ConnectionType("BudgetAlert", BudgetAlertType);

export function toBudgetAlertType(record: BudgetAlertRecord): BudgetAlertType {
  const { userId, teamId, period } = record.budget;
  return {
    id: record.id,
    budgetId: record.budgetId,
    scope: userId === null ? BudgetScope.TEAM : BudgetScope.USER,
    ownerId: userId ?? teamId ?? "",
    period: period as BudgetPeriod,
    periodStart: record.periodStart,
    thresholdPercent: record.thresholdPercent,
    spent: record.spentMicros,
    limit: record.limitMicros,
    createdAt: record.createdAt,
    deliveredAt: record.deliveredAt,
    attempts: record.attempts,
    lastError: record.lastError,
    userId,
    teamId,
  };
}
