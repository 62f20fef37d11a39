import { Field, ID, ObjectType } from "type-graphql";
import { ApiKeyKind, ImageModel } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";

@ObjectType("ApiKey", { description: "An API key as its owner, FINANCE and ADMIN see it: never its secret." })
export class ApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: "The secret's first characters, to tell keys apart." })
  prefix!: string;

  @Field(() => ApiKeyKind)
  kind!: ApiKeyKind;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "To the minute; written in the background." })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "Refused from this instant on, like a revoked key." })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => MoneyScalar, {
    name: "spendLimit",
    nullable: true,
    description: "A session key's total spend limit (held and charged); null for standard keys.",
  })
  spendLimitMicros!: bigint | null;

  @Field(() => [ImageModel], { nullable: true, description: "The models a session key may use; null: any." })
  models!: ImageModel[] | null;
}
