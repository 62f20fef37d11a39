import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { MoneyScalar } from "../scalars/money.scalar";

export const BudgetPeriod = { DAILY: "DAILY", WEEKLY: "WEEKLY", MONTHLY: "MONTHLY", TOTAL: "TOTAL" } as const;
export type BudgetPeriod = (typeof BudgetPeriod)[keyof typeof BudgetPeriod];
registerEnumType(BudgetPeriod, { name: "BudgetPeriod" });

@ObjectType("Budget")
export class BudgetType {
  @Field(() => ID)
  id!: string;

  @Field(() => BudgetPeriod)
  period!: BudgetPeriod;

  @Field(() => MoneyScalar)
  limit!: bigint;

  @Field(() => MoneyScalar)
  spent!: bigint;

  @Field(() => MoneyScalar)
  remaining!: bigint;

  @Field(() => Date, { nullable: true })
  resetsAt!: Date | null;
}
