import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { grantCredits } from "../../domain/ledger/grants";
import { listLedger } from "../../domain/ledger/ledger.queries";
import { encodeCursor } from "../../domain/pagination";
import { principalOf, type GraphQLContext } from "../context";
import { toConnection } from "../connection";
import { PageArgs } from "../generation/generation.resolver";
import { ImageGenerationType, toGenerationType } from "../generation/generation.type";
import { MoneyScalar } from "../scalars/money.scalar";
import { toLedgerEntryType } from "./ledger-entry.mapper";
import { LedgerEntryConnection, LedgerEntryType } from "./ledger-entry.type";

@Resolver(() => LedgerEntryType)
export class LedgerResolver {
  @Authorized()
  @Query(() => LedgerEntryConnection, { description: "Newest first; another user's for FINANCE and ADMIN only." })
  async ledger(@Args() args: PageArgs, @Ctx() ctx: GraphQLContext) {
    const page = await listLedger(ctx.services.db, principalOf(ctx), args);
    return toConnection(page, toLedgerEntryType, encodeCursor);
  }

  @Authorized("ADMIN")
  @Mutation(() => LedgerEntryType, { description: "A negative amount is an ADJUSTMENT." })
  async grantCredits(
    @Arg("userId", () => ID) userId: string,
    @Arg("amount", () => MoneyScalar) amount: bigint,
    @Arg("reason") reason: string,
    @Ctx() ctx: GraphQLContext,
  ) {
    const actorId = principalOf(ctx).userId;
    const entry = await ctx.services.db.$transaction((tx) =>
      grantCredits(tx, { actorId, userId, amountMicros: amount, reason }),
    );
    return toLedgerEntryType(entry);
  }

  @FieldResolver(() => ImageGenerationType, { nullable: true })
  async generation(@Root() entry: LedgerEntryType, @Ctx() ctx: GraphQLContext) {
    if (entry.generationId === null) return null;
    const record = await ctx.loaders.generationById.load(entry.generationId);
    return record === null ? null : toGenerationType(record, ctx.services.publicUrl(), false);
  }
}
