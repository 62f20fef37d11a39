import { GraphQLError } from "graphql";
import { Arg, Authorized, Ctx, ID, Resolver, Root, Subscription } from "type-graphql";
import type { SubscribeResolverData } from "type-graphql";
import { watchGeneration, type GenerationWatchEvent } from "../../domain/generation/watch-generation";
import { principalOf, type GraphQLContext } from "../context";
import { GenerationEventType } from "./generation-event.type";
import { toGenerationType } from "./generation.type";

@Resolver()
export class GenerationUpdatedResolver {
  @Authorized()
  @Subscription(() => GenerationEventType, {
    description:
      "Over graphql-ws on /graphql: the generation at once, then each change and partial image, ending after its " +
      "final state (SUCCEEDED or FAILED). Its owner's, or anyone's for FINANCE and ADMIN; others' are NOT_FOUND.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { id: string }, GraphQLContext>) =>
      watchGeneration({
        db: context.services.db,
        feed: context.services.generationFeed,
        principal: principalOf(context),
        generationId: args.id,
      }),
  })
  generationUpdated(
    @Arg("id", () => ID) _id: string,
    @Root() event: GenerationWatchEvent | undefined,
    @Ctx() ctx: GraphQLContext,
  ): GenerationEventType {
    // Sent over HTTP, a subscription is executed once as a query would be, with no event.
    if (event === undefined) {
      throw new GraphQLError("generationUpdated is a subscription: subscribe over graphql-ws on /graphql", {
        extensions: { code: "BAD_REQUEST" },
      });
    }
    const { partialImage } = event;
    return {
      generation: toGenerationType(event.generation, ctx.services.publicUrl(), true),
      partialImage:
        partialImage === null
          ? null
          : {
              index: partialImage.index,
              partialIndex: partialImage.partialIndex,
              b64Json: partialImage.bytes.toString("base64"),
            },
    };
  }
}
