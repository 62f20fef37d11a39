import { Arg, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { spendMicros } from "../../domain/ledger/ledger.queries";
import type { GraphQLContext } from "../context";
import { MoneyScalar } from "../scalars/money.scalar";
import { BudgetType } from "./budget.type";
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
    return spendMicros(ctx.services.db, user.id, { from, to });
  }

  @FieldResolver(() => [BudgetType])
  budgets(): BudgetType[] {
    return [];
  }
}
