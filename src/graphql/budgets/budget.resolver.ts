import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { removeBudget, setBudget } from "../../domain/budgets/budgets.service";
import { BudgetPeriod, BudgetType, toBudgetType } from "../account/budget.type";
import { UserType } from "../account/user.type";
import { principalOf, type GraphQLContext } from "../context";
import { MoneyScalar } from "../scalars/money.scalar";
import { TeamType } from "../teams/team.type";

@Resolver(() => BudgetType)
export class BudgetResolver {
  @Authorized("ADMIN")
  @Mutation(() => BudgetType, { description: "One budget per user and period: setting it again replaces the limit." })
  async setBudget(
    @Arg("userId", () => ID) userId: string,
    @Arg("period", () => BudgetPeriod) period: BudgetPeriod,
    @Arg("limit", () => MoneyScalar) limit: bigint,
    @Arg("alertThresholds", () => [Int], { nullable: true, description: "Percentages; default [80, 100]." })
    alertThresholds: number[] | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.set(ctx, { scope: "USER", id: userId }, period, limit, alertThresholds);
  }

  @Authorized("ADMIN")
  @Mutation(() => BudgetType, { description: "A team's budget: every member's requests count against it." })
  async setTeamBudget(
    @Arg("teamId", () => ID) teamId: string,
    @Arg("period", () => BudgetPeriod) period: BudgetPeriod,
    @Arg("limit", () => MoneyScalar) limit: bigint,
    @Arg("alertThresholds", () => [Int], { nullable: true, description: "Percentages; default [80, 100]." })
    alertThresholds: number[] | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    return this.set(ctx, { scope: "TEAM", id: teamId }, period, limit, alertThresholds);
  }

  @Authorized("ADMIN")
  @Mutation(() => Boolean)
  async removeBudget(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    await removeBudget(ctx.services.db, { actorId: principalOf(ctx).userId, budgetId: id });
    return true;
  }

  @FieldResolver(() => UserType, { nullable: true })
  user(@Root() budget: BudgetType, @Ctx() ctx: GraphQLContext) {
    return budget.userId === null ? null : ctx.loaders.userById.load(budget.userId);
  }

  @FieldResolver(() => TeamType, { nullable: true })
  team(@Root() budget: BudgetType, @Ctx() ctx: GraphQLContext) {
    return budget.teamId === null ? null : ctx.loaders.teamById.load(budget.teamId);
  }

  private async set(
    ctx: GraphQLContext,
    owner: { scope: "USER" | "TEAM"; id: string },
    period: BudgetPeriod,
    limit: bigint,
    alertThresholds: number[] | null,
  ) {
    const usage = await setBudget(ctx.services.db, {
      actorId: principalOf(ctx).userId,
      owner,
      period,
      limitMicros: limit,
      alertThresholds,
      at: ctx.services.now(),
      timeZone: ctx.services.timeZone,
    });
    return toBudgetType(usage);
  }
}
