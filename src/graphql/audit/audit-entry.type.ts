import { Field, ID, ObjectType } from "type-graphql";
import { GraphQLJSON } from "graphql-scalars";
import { ConnectionType } from "../connection";

@ObjectType("AuditLogEntry", { description: "One administrative change. Amounts in before/after are micro-dollars." })
export class AuditLogEntryType {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { nullable: true, description: "Who made it; null for the command line." })
  actorId!: string | null;

  @Field()
  action!: string;

  @Field()
  targetType!: string;

  @Field()
  targetId!: string;

  @Field(() => GraphQLJSON, { nullable: true })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  after!: unknown;

  @Field()
  createdAt!: Date;
}

export const AuditLogConnection = ConnectionType("AuditLog", AuditLogEntryType);
