import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { canReadOthers } from "../../domain/accounts/principal";
import { principalOf, type GraphQLContext } from "../context";
import { GenerationSourceType, toGenerationSourceType } from "./generation-source.type";
import { ImageGenerationType, toGenerationType } from "./generation.type";

/** An image's lineage: an edit's sources, and for each stored one the generation it came from. */
@Resolver(() => ImageGenerationType)
export class GenerationSourcesResolver {
  @FieldResolver(() => [GenerationSourceType], {
    description: "An edit's source images, images in order then the mask; empty for a generation from a prompt.",
  })
  async sources(@Root() generation: ImageGenerationType, @Ctx() ctx: GraphQLContext) {
    const rows = await ctx.loaders.sourcesByGenerationId.load(generation.id);
    return rows.map(toGenerationSourceType);
  }
}

@Resolver(() => GenerationSourceType)
export class GenerationSourceResolver {
  @FieldResolver(() => ImageGenerationType, {
    nullable: true,
    description: "The generation the image came from; null for an upload, or one the caller may not read.",
  })
  async generation(@Root() source: GenerationSourceType, @Ctx() ctx: GraphQLContext) {
    if (source.sourceGenerationId === null) return null;
    const record = await ctx.loaders.generationById.load(source.sourceGenerationId);
    if (record === null) return null;
    const principal = principalOf(ctx);
    if (record.userId !== principal.userId && !canReadOthers(principal)) return null;
    return toGenerationType(record, ctx.services.publicUrl(), false);
  }
}
