import { Args, ArgsType, Authorized, Ctx, Field, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { listBudgetAlerts } from "../../domain/budgets/budget-alert.queries";
import { encodeCursor } from "../../domain/pagination";
import { UserType } from "../account/user.type";
import { toConnection } from "../connection";
import { principalOf, type GraphQLContext } from "../context";
import { TeamType } from "../teams/team.type";
import { BudgetAlertConnection, BudgetAlertType, toBudgetAlertType } from "./budget-alert.type";

@ArgsType()
class BudgetAlertsArgs {
  @Field(() => ID, { nullable: true, description: "Alerts of this user's budgets. Another user's: FINANCE and ADMIN." })
  userId?: string | null;

  @Field(() => ID, { nullable: true, description: "Alerts of this team's budgets: FINANCE and ADMIN." })
  teamId?: string | null;

  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@Resolver(() => BudgetAlertType)
export class BudgetAlertsResolver {
  @Authorized()
  @Query(() => BudgetAlertConnection, {
    description: "Newest first. FINANCE and ADMIN: all, or one user's or team's; a MEMBER: its own user budgets'.",
  })
  async budgetAlerts(@Args() args: BudgetAlertsArgs, @Ctx() ctx: GraphQLContext) {
    const page = await listBudgetAlerts(ctx.services.db, principalOf(ctx), args);
    return toConnection(page, toBudgetAlertType, encodeCursor);
  }

  @FieldResolver(() => UserType, { nullable: true, description: "The budget's user; null for a TEAM budget." })
  async user(@Root() alert: BudgetAlertType, @Ctx() ctx: GraphQLContext) {
    return alert.userId === null ? null : ctx.loaders.userById.load(alert.userId);
  }

  @FieldResolver(() => TeamType, { nullable: true, description: "The budget's team; null for a USER budget." })
  async team(@Root() alert: BudgetAlertType, @Ctx() ctx: GraphQLContext) {
    return alert.teamId === null ? null : ctx.loaders.teamById.load(alert.teamId);
  }
}
