import { Field, ID, ObjectType } from "type-graphql";
import type { ImageModel } from "../../domain/enums";
import { ConnectionType } from "../connection";
import { Role } from "../enums";

@ObjectType("User")
export class UserType {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field(() => Role)
  role!: Role;

  @Field({ description: "false: the user's keys are refused (setUserActive)." })
  active!: boolean;

  // balance, reserved, available, spend and budgets are field resolvers (user.resolver.ts).
  balanceMicros!: bigint;
  reservedMicros!: bigint;
  teamId!: string | null;
  // allowedModels is a field resolver (user-admin.resolver.ts): the list applies only when modelsRestricted.
  modelsRestricted!: boolean;
  allowedModels!: ImageModel[];
}

export const UserConnection = ConnectionType("User", UserType);
