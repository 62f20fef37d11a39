import { buffer } from "node:stream/consumers";
import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { GraphQLContext } from "../context";
import { ImageType } from "./image.type";

@Resolver(() => ImageType)
export class ImageResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: "The image as base64, when the generation asked for B64_JSON.",
  })
  async b64Json(@Root() image: ImageType, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    if (!image.includeB64) return null;
    if (image.bytes !== undefined) return image.bytes.toString("base64");
    const stored = await ctx.services.storage.open(image.storageKey);
    if (stored === null) return null;
    return (await buffer(stored.stream())).toString("base64");
  }
}
