import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, Query, Resolver, Root } from "type-graphql";
import { MAX_REPORT_ROWS, spendReport } from "../../domain/reports/spend-report";
import { ApiKeyType } from "../account/api-key.type";
import { UserType } from "../account/user.type";
import type { GraphQLContext } from "../context";
import { TeamType } from "../teams/team.type";
import { SpendDimension } from "./spend-dimension.enum";
import { SpendReportType, toSpendReportType } from "./spend-report.type";
import { SpendRowType } from "./spend-row.type";

@ArgsType()
class SpendReportArgs {
  @Field({ description: "Inclusive." })
  from!: Date;

  @Field({ description: "Exclusive; after from. Any range from 1970 to 9999, all time included." })
  to!: Date;

  @Field(() => [SpendDimension], { description: "Any subset, in any order; an empty list gives the total alone." })
  groupBy!: SpendDimension[];
}

@Resolver(() => SpendRowType)
export class SpendReportResolver {
  @Authorized("FINANCE", "ADMIN")
  @Query(() => SpendReportType, {
    description:
      "Net spend in [from, to) grouped by the given dimensions; with none, one row: the total. At most " +
      `${MAX_REPORT_ROWS.toLocaleString("en-US")} rows ` +
      "(more is BAD_USER_INPUT: narrow the range or group differently); GET /reports/spend.csv exports the same " +
      "report with no row limit.",
  })
  async spendReport(@Args() args: SpendReportArgs, @Ctx() ctx: GraphQLContext) {
    const report = await spendReport(ctx.services.db, { ...args, timeZone: ctx.services.timeZone });
    return toSpendReportType(report);
  }

  @FieldResolver(() => UserType, { nullable: true })
  user(@Root() row: SpendRowType, @Ctx() ctx: GraphQLContext) {
    return row.userId === null ? null : ctx.loaders.userById.load(row.userId);
  }

  @FieldResolver(() => TeamType, { nullable: true })
  team(@Root() row: SpendRowType, @Ctx() ctx: GraphQLContext) {
    return row.teamId === null ? null : ctx.loaders.teamById.load(row.teamId);
  }

  @FieldResolver(() => ApiKeyType, {
    nullable: true,
    description: "The API key the spend came with, when grouped by API_KEY (null: before keys were recorded).",
  })
  apiKey(@Root() row: SpendRowType, @Ctx() ctx: GraphQLContext) {
    return row.apiKeyId === null ? null : ctx.loaders.apiKeyById.load(row.apiKeyId);
  }
}
