import { Field, ID, ObjectType } from "type-graphql";

@ObjectType("CreatedApiKey", { description: "A new API key. The secret is shown here once and never again." })
export class CreatedApiKeyType {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  secret!: string;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;
}
