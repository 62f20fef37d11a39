import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Resolver, Root } from "type-graphql";
import { effectiveImagesPerMinute } from "../../domain/rate-limit/rate-limiter";
import { setUserRateLimit } from "../../domain/rate-limit/user-rate-limit";
import type { User } from "../../generated/prisma/client";
import { principalOf, type GraphQLContext } from "../context";
import { UserType } from "./user.type";

/** User roots are user rows; their rateLimitPerMinute column is the admin's override. */
type UserRow = Pick<User, "rateLimitPerMinute">;

@Resolver(() => UserType)
export class RateLimitResolver {
  @Authorized("ADMIN")
  @Mutation(() => UserType, {
    description: "ADMIN. Sets a user's own images-per-minute limit; null clears it (the deployment's default applies).",
  })
  async setUserRateLimit(
    @Arg("userId", () => ID) userId: string,
    @Arg("imagesPerMinute", () => Int, { nullable: true }) imagesPerMinute: number | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ) {
    const user = await setUserRateLimit(ctx.services.db, principalOf(ctx), {
      userId,
      imagesPerMinute: imagesPerMinute ?? null,
    });
    // This process forgets at once; the others when PostgreSQL's notification reaches them (milliseconds).
    ctx.services.authenticator.forget();
    return user;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: "Images per minute this user may generate: the override, else the default; null means unlimited.",
  })
  rateLimitPerMinute(@Root() user: UserRow, @Ctx() ctx: GraphQLContext): number | null {
    return effectiveImagesPerMinute(user.rateLimitPerMinute, ctx.services.defaultImagesPerMinute);
  }

  @FieldResolver(() => Int, { nullable: true, description: "The limit an admin set for this user, if any." })
  rateLimitOverride(@Root() user: UserRow): number | null {
    return user.rateLimitPerMinute;
  }
}
