import { Field, ID, ObjectType } from "type-graphql";

@ObjectType("Team", { description: "A cost centre; a user belongs to at most one." })
export class TeamType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;
}
