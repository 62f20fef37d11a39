import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { principalOf, type GraphQLContext } from "../context";
import { EditImageInput, toEditRequest } from "./edit-image.input";
import { ImageGenerationType, toGenerationType } from "./generation.type";

@Resolver(() => ImageGenerationType)
export class EditImageResolver {
  @Authorized()
  @Mutation(() => ImageGenerationType, {
    description:
      "Edits images (uploads, or your stored images) with a prompt and an optional mask; answered when done, like " +
      "generateImage. Held: the output's price, the prompt, and the most the source images can cost as input tokens.",
  })
  async editImage(@Arg("input") input: EditImageInput, @Ctx() ctx: GraphQLContext) {
    const record = await ctx.services.edits.edit(principalOf(ctx), toEditRequest(input), ctx.request);
    return toGenerationType(record, ctx.services.publicUrl(), true);
  }

  @Authorized()
  @Mutation(() => ImageGenerationType, {
    description: "editImage answered as soon as its price is held, PENDING; poll generation(id) for the rest.",
  })
  async startImageEdit(@Arg("input") input: EditImageInput, @Ctx() ctx: GraphQLContext) {
    const record = await ctx.services.edits.start(principalOf(ctx), toEditRequest(input), ctx.request);
    return toGenerationType(record, ctx.services.publicUrl(), true);
  }
}
