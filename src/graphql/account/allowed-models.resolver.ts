import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { setAllowedModels } from "../../domain/models/set-allowed-models";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel } from "../enums";

@Resolver()
export class AllowedModelsResolver {
  @Authorized("ADMIN")
  @Mutation(() => Boolean, {
    description:
      "A user's or a team's models (exactly one of userId, teamId). null: no restriction; empty: none. Where both " +
      "apply, a model must be in both; others are refused with MODEL_NOT_ALLOWED before anything is held.",
  })
  async setAllowedModels(
    @Ctx() ctx: GraphQLContext,
    @Arg("userId", () => ID, { nullable: true }) userId?: string | null,
    @Arg("teamId", () => ID, { nullable: true }) teamId?: string | null,
    @Arg("models", () => [ImageModel], { nullable: true }) models?: ImageModel[] | null,
  ) {
    const actorId = principalOf(ctx).userId;
    await setAllowedModels(ctx.services.db, {
      actorId,
      userId: userId ?? null,
      teamId: teamId ?? null,
      models: models ?? null,
    });
    ctx.services.authenticator.forget();
    return true;
  }
}
