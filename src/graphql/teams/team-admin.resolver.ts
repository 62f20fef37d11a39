import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { deleteTeam, renameTeam } from "../../domain/teams/teams.service";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel } from "../enums";
import { TeamType } from "./team.type";

@Resolver(() => TeamType)
export class TeamAdminResolver {
  @Authorized("ADMIN")
  @Mutation(() => TeamType, { description: "Names are unique among teams not deleted." })
  renameTeam(@Arg("teamId", () => ID) teamId: string, @Arg("name") name: string, @Ctx() ctx: GraphQLContext) {
    return renameTeam(ctx.services.db, { actorId: principalOf(ctx).userId, teamId, name });
  }

  @Authorized("ADMIN")
  @Mutation(() => Boolean, {
    description:
      "Its members leave it and its budgets are removed; the team stays in reports under its name (deletedAt set).",
  })
  async deleteTeam(@Arg("teamId", () => ID) teamId: string, @Ctx() ctx: GraphQLContext) {
    await deleteTeam(ctx.services.db, { actorId: principalOf(ctx).userId, teamId });
    ctx.services.authenticator.forget(); // its members' principals carried its allowlist
    return true;
  }

  @FieldResolver(() => [ImageModel], {
    nullable: true,
    description: "The models the team's members may ask for; null: any.",
  })
  allowedModels(@Root() team: TeamType): ImageModel[] | null {
    return team.modelsRestricted ? team.allowedModels : null;
  }
}
