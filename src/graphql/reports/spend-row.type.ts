import { Field, ID, Int, ObjectType } from "type-graphql";
import type { SpendRow } from "../../domain/reports/spend-report";
import { UserType } from "../account/user.type";
import { ImageModel, ImageQuality, ImageSize } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { TeamType } from "../teams/team.type";

@ObjectType("SpendRow", {
  description: "One group of a spend report. A dimension's field is null unless the report is grouped by it.",
})
export class SpendRowType {
  // user and team resolve through the request's loaders (spend-report.resolver.ts), batched: no N+1.
  userId!: string | null;
  teamId!: string | null;

  @Field(() => UserType, { nullable: true })
  user?: UserType | null;

  @Field(() => TeamType, { nullable: true, description: "Null when not grouped by TEAM, or spent outside any team." })
  team?: TeamType | null;

  @Field(() => ID, {
    nullable: true,
    description: "The API key the spend came with, when grouped by API_KEY (null: before keys were recorded).",
  })
  apiKeyId!: string | null;

  @Field(() => ImageModel, { nullable: true })
  model!: ImageModel | null;

  @Field(() => ImageSize, { nullable: true })
  size!: ImageSize | null;

  @Field(() => ImageQuality, { nullable: true })
  quality!: ImageQuality | null;

  @Field(() => String, {
    nullable: true,
    description:
      "When grouped by TAG: the tag (a generation with several counts toward each), or null for untagged spend.",
  })
  tag!: string | null;

  @Field(() => Date, { nullable: true, description: "The day's first instant in the deployment's time zone." })
  day!: Date | null;

  @Field(() => Int, { description: "Charged generations; refunds do not change it." })
  requests!: number;

  @Field(() => Int, { description: "Images of the charged generations." })
  images!: number;

  @Field(() => MoneyScalar, { description: "Net spend: charges less refunds." })
  cost!: bigint;
}

export function toSpendRowType(row: SpendRow): SpendRowType {
  return {
    userId: row.userId ?? null,
    teamId: row.teamId ?? null,
    apiKeyId: row.apiKeyId ?? null,
    tag: row.tag ?? null,
    model: row.model ?? null,
    size: row.size ?? null,
    quality: row.quality ?? null,
    day: row.day ?? null,
    requests: row.requests,
    images: row.images,
    cost: row.costMicros,
  };
}
