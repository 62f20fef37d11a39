import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { setUserActive, setUserRole } from "../../domain/accounts/user-admin";
import { listUsers, userCursor } from "../../domain/accounts/user-list";
import { toConnection } from "../connection";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel, Role } from "../enums";
import { UserConnection, UserType } from "./user.type";

@Resolver(() => UserType)
export class UserAdminResolver {
  @Authorized("FINANCE", "ADMIN")
  @Query(() => UserConnection, {
    description:
      "In email order. search: 3 letters or digits in a row match any part of the email, case-insensitively; " +
      "fewer, its start.",
  })
  async users(
    @Ctx() ctx: GraphQLContext,
    @Arg("first", () => Int, { nullable: true }) first?: number | null,
    @Arg("after", () => String, { nullable: true }) after?: string | null,
    @Arg("search", () => String, { nullable: true }) search?: string | null,
    @Arg("role", () => Role, { nullable: true }) role?: Role | null,
    @Arg("teamId", () => ID, { nullable: true }) teamId?: string | null,
  ) {
    const page = await listUsers(ctx.services.db, { first, after, search, role, teamId });
    return toConnection(page, (user) => user, userCursor);
  }

  @Authorized("ADMIN")
  @Mutation(() => UserType, { description: "Refused for the last active ADMIN (CONFLICT)." })
  async setUserRole(
    @Arg("userId", () => ID) userId: string,
    @Arg("role", () => Role) role: Role,
    @Ctx() ctx: GraphQLContext,
  ) {
    const user = await setUserRole(ctx.services.db, { actorId: principalOf(ctx).userId, userId, role });
    // This process forgets at once; the others when PostgreSQL's notification reaches them (milliseconds).
    ctx.services.authenticator.forget();
    return user;
  }

  @Authorized("ADMIN")
  @Mutation(() => UserType, {
    description: "An inactive user's keys are refused. Refused for the last active ADMIN (CONFLICT).",
  })
  async setUserActive(
    @Arg("userId", () => ID) userId: string,
    @Arg("active") active: boolean,
    @Ctx() ctx: GraphQLContext,
  ) {
    const user = await setUserActive(ctx.services.db, { actorId: principalOf(ctx).userId, userId, active });
    ctx.services.authenticator.forget();
    return user;
  }

  @FieldResolver(() => [ImageModel], {
    nullable: true,
    description: "The models this user may ask for; null: any. Intersected with its team's.",
  })
  allowedModels(@Root() user: UserType): ImageModel[] | null {
    return user.modelsRestricted ? user.allowedModels : null;
  }
}
