import { Field, ID, ObjectType } from "type-graphql";
import type { ImageModel } from "../../domain/enums";

@ObjectType("Team", { description: "A cost centre; a user belongs to at most one." })
export class TeamType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;

  @Field(() => Date, {
    nullable: true,
    description: "Set by deleteTeam: the team has no members or budgets any more, and reports still name it.",
  })
  deletedAt!: Date | null;

  // allowedModels is a field resolver (team-admin.resolver.ts): the list applies only when modelsRestricted.
  modelsRestricted!: boolean;
  allowedModels!: ImageModel[];
}
