import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { API_KEYS_FIRST_DEFAULT, API_KEYS_FIRST_MAX } from "../../domain/accounts/api-key.queries";
import { assertCanRead } from "../../domain/accounts/principal";
import { badInput } from "../../domain/errors";
import { ApiKeyType } from "./api-key.type";
import { spendWindow } from "../../domain/ledger/ledger.queries";
import { principalOf, type GraphQLContext } from "../context";
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

  @FieldResolver(() => [ApiKeyType], {
    description:
      "The user's keys, session keys included, newest first: to the user itself, FINANCE and ADMIN. " +
      "active: true for those usable now (neither revoked nor expired), false for the others; all by default.",
  })
  apiKeys(
    @Root() user: UserType,
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { defaultValue: API_KEYS_FIRST_DEFAULT }) first: number,
    @Arg("active", () => Boolean, { nullable: true }) active?: boolean | null,
  ): Promise<ApiKeyType[]> {
    assertCanRead(principalOf(ctx), user.id);
    if (!Number.isInteger(first) || first < 1 || first > API_KEYS_FIRST_MAX) {
      throw badInput("first", `first must be 1 to ${API_KEYS_FIRST_MAX}`);
    }
    return ctx.loaders.apiKeys.load({ userId: user.id, first, active: active ?? null });
  }

  @FieldResolver(() => TeamType, { nullable: true })
  team(@Root() user: UserType, @Ctx() ctx: GraphQLContext) {
    return user.teamId === null ? null : ctx.loaders.teamById.load(user.teamId);
  }
}
