import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import { createApiKey, revokeApiKey } from "../../domain/accounts/api-keys";
import { assertMayCreateKeys } from "../../domain/accounts/session-keys";
import { createUser } from "../../domain/accounts/users";
import { roleRequired } from "../../domain/errors";
import { isUuid } from "../../domain/ids";
import { principalOf, type GraphQLContext } from "../context";
import { Role } from "../enums";
import { CreatedApiKeyType } from "./created-api-key.type";
import { UserType } from "./user.type";

@Resolver()
export class AccountResolver {
  @Authorized()
  @Query(() => UserType)
  async me(@Ctx() ctx: GraphQLContext) {
    return ctx.loaders.userById.load(principalOf(ctx).userId);
  }

  @Authorized("FINANCE", "ADMIN")
  @Query(() => UserType, { nullable: true })
  async user(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    return isUuid(id) ? ctx.loaders.userById.load(id) : null;
  }

  @Authorized("ADMIN")
  @Mutation(() => UserType)
  async createUser(@Arg("email") email: string, @Arg("role", () => Role) role: Role, @Ctx() ctx: GraphQLContext) {
    const actorId = principalOf(ctx).userId;
    return ctx.services.db.$transaction((tx) => createUser(tx, { actorId, email, role }));
  }

  @Authorized()
  @Mutation(() => CreatedApiKeyType, {
    description:
      "ADMIN, or a user for itself; never a session key. The secret is shown once. Past expiresAt the key is refused.",
  })
  async createApiKey(
    @Arg("userId", () => ID) userId: string,
    @Arg("name") name: string,
    @Ctx() ctx: GraphQLContext,
    @Arg("expiresAt", () => Date, { nullable: true }) expiresAt?: Date | null,
  ) {
    const principal = principalOf(ctx);
    assertMayCreateKeys(principal);
    if (userId !== principal.userId && principal.role !== "ADMIN") {
      throw roleRequired(["ADMIN"], "An API key for another user");
    }
    const now = ctx.services.now();
    return ctx.services.db.$transaction((tx) =>
      createApiKey(tx, { actorId: principal.userId, userId, name, expiresAt, now }),
    );
  }

  @Authorized()
  @Mutation(() => Boolean, { description: "A user's own key, or any key for ADMIN." })
  async revokeApiKey(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    const principal = principalOf(ctx);
    await ctx.services.db.$transaction((tx) => revokeApiKey(tx, principal, id));
    // This process forgets at once; the others when PostgreSQL's notification reaches them (milliseconds).
    ctx.services.authenticator.forget();
    return true;
  }
}
