import { Field, Int, ObjectType } from "type-graphql";
import type { SpendReport } from "../../domain/reports/spend-report";
import { MoneyScalar } from "../scalars/money.scalar";
import { SpendRowType, toSpendRowType } from "./spend-row.type";

@ObjectType("SpendReport", {
  description: "Net spend in [from, to); total equals the sum of the CHARGE and REFUND ledger entries of the range.",
})
export class SpendReportType {
  @Field()
  from!: Date;

  @Field()
  to!: Date;

  @Field(() => MoneyScalar)
  total!: bigint;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  images!: number;

  @Field(() => [SpendRowType], {
    description: "Ordered by day when grouped by DAY, then by cost (highest first), then by the other keys.",
  })
  rows!: SpendRowType[];
}

export function toSpendReportType(report: SpendReport): SpendReportType {
  return {
    from: report.from,
    to: report.to,
    total: report.totalMicros,
    requests: report.requests,
    images: report.images,
    rows: report.rows.map(toSpendRowType),
  };
}
