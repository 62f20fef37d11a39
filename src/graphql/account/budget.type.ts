import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import type { BudgetUsage } from "../../domain/budgets/budget-usage";
import { BudgetPeriod } from "../../domain/budgets/periods";
import { MoneyScalar } from "../scalars/money.scalar";

export { BudgetPeriod };
registerEnumType(BudgetPeriod, { name: "BudgetPeriod" });

export const BudgetScope = { USER: "USER", TEAM: "TEAM" } as const;
export type BudgetScope = (typeof BudgetScope)[keyof typeof BudgetScope];
registerEnumType(BudgetScope, { name: "BudgetScope" });

@ObjectType("Budget", { description: "A limit per calendar period in the deployment's time zone (TIME_ZONE)." })
export class BudgetType {
  @Field(() => ID)
  id!: string;

  @Field(() => BudgetPeriod)
  period!: BudgetPeriod;

  @Field(() => BudgetScope)
  scope!: BudgetScope;

  @Field(() => MoneyScalar)
  limit!: bigint;

  @Field(() => MoneyScalar, { description: "Net charged in the current period (charges less refunds)." })
  spent!: bigint;

  @Field(() => MoneyScalar, { description: "Held now by generations in flight." })
  held!: bigint;

  @Field(() => MoneyScalar, { description: "limit - spent - held, never below zero: what new requests may spend." })
  remaining!: bigint;

  @Field(() => Date, { nullable: true, description: "When the current period ends; null for TOTAL." })
  resetsAt!: Date | null;

  @Field(() => [Int], { description: "Percentages of the limit at which an alert is recorded, once per period." })
  alertThresholds!: number[];

  userId!: string | null;
  teamId!: string | null;
}

export function toBudgetType(usage: BudgetUsage): BudgetType {
  const remaining = usage.limitMicros - usage.spentMicros - usage.heldMicros;
  return {
    id: usage.id,
    period: usage.period,
    scope: usage.scope,
    limit: usage.limitMicros,
    spent: usage.spentMicros,
    held: usage.heldMicros,
    remaining: remaining > 0n ? remaining : 0n,
    resetsAt: usage.periodEnd,
    alertThresholds: usage.alertThresholds,
    userId: usage.userId,
    teamId: usage.teamId,
  };
}
