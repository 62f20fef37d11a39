import { Arg, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { spendWindow } from "../../domain/ledger/ledger.queries";
import type { GraphQLContext } from "../context";
import { MoneyScalar } from "../scalars/money.scalar";
import { TeamType } from "../teams/team.type";
import { BudgetType, toBudgetType } from "./budget.type";
import { UserType } from "./user.type";

@Resolver(() => UserType)
export class UserResolver {
  @FieldResolver(() => MoneyScalar, { description: "Credits granted minus charged." })
  balance(@Root() user: UserType): bigint {
    return user.balanceMicros;
  }

  @FieldResolver(() => MoneyScalar, { description: "Held by generations in flight." })
  reserved(@Root() user: UserType): bigint {
    return user.reservedMicros;
  }

  @FieldResolver(() => MoneyScalar, { description: "balance - reserved: what new requests can spend." })
  available(@Root() user: UserType): bigint {
    return user.balanceMicros - user.reservedMicros;
  }

  @FieldResolver(() => MoneyScalar, { description: "Net spend (charges less refunds) in [from, to)." })
  spend(
    @Root() user: UserType,
    @Ctx() ctx: GraphQLContext,
    @Arg("from", () => Date, { nullable: true }) from?: Date | null,
    @Arg("to", () => Date, { nullable: true }) to?: Date | null,
  ): Promise<bigint> {
    // Checked here, so that a bad date is this field's error, not the whole batch's.
    return ctx.loaders.userSpend.load({ ownerId: user.id, ...spendWindow({ from, to }) });
  }

  @FieldResolver(() => [BudgetType], { description: "The user's own budgets (its team's are on Team)." })
  async budgets(@Root() user: UserType, @Ctx() ctx: GraphQLContext): Promise<BudgetType[]> {
    return (await ctx.loaders.userBudgets.load(user.id)).map(toBudgetType);
  }

  @FieldResolver(() => TeamType, { nullable: true })
  team(@Root() user: UserType, @Ctx() ctx: GraphQLContext) {
    return user.teamId === null ? null : ctx.loaders.teamById.load(user.teamId);
  }
}
