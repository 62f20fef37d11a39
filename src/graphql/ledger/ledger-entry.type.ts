import { Field, ID, ObjectType } from "type-graphql";
import { LedgerEntryKind } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { ConnectionType } from "../connection";

@ObjectType("LedgerEntry", {
  description: "Append-only. amount is signed: GRANT and REFUND positive, CHARGE negative, ADJUSTMENT either.",
})
export class LedgerEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => LedgerEntryKind)
  kind!: LedgerEntryKind;

  @Field(() => MoneyScalar)
  amount!: bigint;

  @Field(() => MoneyScalar)
  balanceAfter!: bigint;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field()
  createdAt!: Date;

  // `generation` is a field resolver (batched by a loader).
  generationId!: string | null;
}

export const LedgerEntryConnection = ConnectionType("LedgerEntry", LedgerEntryType);
