import { Arg, Authorized, Ctx, Int, Mutation, Resolver } from "type-graphql";
import { createSessionKey } from "../../domain/accounts/session-keys";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { CreatedApiKeyType } from "./created-api-key.type";

@Resolver()
export class SessionKeyResolver {
  @Authorized()
  @Mutation(() => CreatedApiKeyType, {
    description:
      "A short-lived key for one browser session, for the caller itself: it expires after ttlSeconds (60 to 86400), " +
      "cannot spend past spendLimit in total (BUDGET_EXCEEDED, scope SESSION_KEY), may be limited to models " +
      "(MODEL_NOT_ALLOWED, scope SESSION_KEY), acts as a MEMBER whatever its user's role, and can create no keys.",
  })
  createSessionKey(
    @Arg("ttlSeconds", () => Int) ttlSeconds: number,
    @Arg("spendLimit", () => MoneyScalar) spendLimit: bigint,
    @Ctx() ctx: GraphQLContext,
    @Arg("models", () => [ImageModel], { nullable: true }) models?: ImageModel[] | null,
  ) {
    const principal = principalOf(ctx);
    const input = { ttlSeconds, spendLimitMicros: spendLimit, models: models ?? null, now: ctx.services.now() };
    return ctx.services.db.$transaction((tx) => createSessionKey(tx, principal, input));
  }
}
