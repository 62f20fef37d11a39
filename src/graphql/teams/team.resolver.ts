import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { isUuid } from "../../domain/ids";
import { spendWindow } from "../../domain/ledger/ledger.queries";
import { createTeam, setUserTeam } from "../../domain/teams/teams.service";
import { BudgetType, toBudgetType } from "../account/budget.type";
import { UserType } from "../account/user.type";
import { principalOf, type GraphQLContext } from "../context";
import { MoneyScalar } from "../scalars/money.scalar";
import { TeamType } from "./team.type";

@Resolver(() => TeamType)
export class TeamResolver {
  @Authorized("FINANCE", "ADMIN")
  @Query(() => [TeamType], { description: "Teams not deleted; team(id) finds a deleted one too." })
  teams(@Ctx() ctx: GraphQLContext) {
    return ctx.services.db.team.findMany({ where: { deletedAt: null }, orderBy: { name: "asc" } });
  }

  @Authorized("FINANCE", "ADMIN")
  @Query(() => TeamType, { nullable: true })
  team(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return isUuid(id) ? ctx.services.db.team.findUnique({ where: { id } }) : null;
  }

  @Authorized("ADMIN")
  @Mutation(() => TeamType)
  createTeam(@Arg("name") name: string, @Ctx() ctx: GraphQLContext) {
    return createTeam(ctx.services.db, { actorId: principalOf(ctx).userId, name });
  }

  @Authorized("ADMIN")
  @Mutation(() => UserType, { description: "Moves a user into a team, or out of any with teamId null." })
  async setUserTeam(
    @Arg("userId", () => ID) userId: string,
    @Arg("teamId", () => ID, { nullable: true }) teamId: string | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    const user = await setUserTeam(ctx.services.db, {
      actorId: principalOf(ctx).userId,
      userId,
      teamId: teamId ?? null,
    });
    ctx.services.authenticator.forget(); // the principal carries its team's model allowlist
    return user;
  }

  @Authorized("FINANCE", "ADMIN")
  @FieldResolver(() => [UserType], {
    description: "FINANCE, ADMIN: a MEMBER sees its team's budgets and spend, not its teammates' accounts.",
  })
  members(@Root() team: TeamType, @Ctx() ctx: GraphQLContext) {
    return ctx.loaders.membersByTeamId.load(team.id);
  }

  @FieldResolver(() => [BudgetType])
  async budgets(@Root() team: TeamType, @Ctx() ctx: GraphQLContext) {
    return (await ctx.loaders.teamBudgets.load(team.id)).map(toBudgetType);
  }

  @FieldResolver(() => MoneyScalar, { description: "Net spend of the team's generations in [from, to)." })
  spend(
    @Root() team: TeamType,
    @Ctx() ctx: GraphQLContext,
    @Arg("from", () => Date, { nullable: true }) from?: Date | null,
    @Arg("to", () => Date, { nullable: true }) to?: Date | null,
  ) {
    // Checked here, so that a bad date is this field's error, not the whole batch's.
    return ctx.loaders.teamSpend.load({ ownerId: team.id, ...spendWindow({ from, to }) });
  }
}
