import { Field, ID, ObjectType } from "type-graphql";
import { Role } from "../enums";

@ObjectType("User")
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field(() => Role)
  role!: Role;

  // balance, reserved, available, spend and budgets are field resolvers (user.resolver.ts).
  balanceMicros!: bigint;
  reservedMicros!: bigint;
  teamId!: string | null;
}
