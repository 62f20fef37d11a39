import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { CATALOG } from "../../domain/catalog";
import { addPrice, pricesInForce, type PriceRecord } from "../../domain/pricing/price-book";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel, ImageQuality, ImageSize } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { ModelInfoType, PriceType } from "./price.type";

const toPriceType = (price: PriceRecord): PriceType => ({
  model: price.model,
  size: price.size,
  quality: price.quality,
  perImage: price.perImageMicros,
  effectiveFrom: price.effectiveFrom,
});

@Resolver()
export class PricingResolver {
  @Authorized()
  @Query(() => [ModelInfoType], { description: 'provider is the one serving the model here: "local" without a key.' })
  models(@Ctx() ctx: GraphQLContext): ModelInfoType[] {
    return Object.values(CATALOG).map((spec) => ({
      model: spec.model,
      provider: ctx.services.providers.forModel(spec.model).name,
      sizes: [...spec.sizes],
      qualities: [...spec.qualities],
      styles: [...spec.styles],
      maxN: spec.maxN,
      maxPromptLength: spec.maxPromptLength,
    }));
  }

  @Authorized()
  @Query(() => [PriceType], { description: "The prices in force now." })
  async prices(@Ctx() ctx: GraphQLContext) {
    return (await pricesInForce(ctx.services.db, new Date())).map(toPriceType);
  }

  @Authorized("ADMIN")
  @Mutation(() => PriceType, {
    description: "Adds a price from effectiveFrom (default now); earlier generations keep theirs.",
  })
  async setPrice(
    @Arg("model", () => ImageModel) model: ImageModel,
    @Arg("size", () => ImageSize) size: ImageSize,
    @Arg("quality", () => ImageQuality) quality: ImageQuality,
    @Arg("perImage", () => MoneyScalar) perImage: bigint,
    @Arg("effectiveFrom", () => Date, { nullable: true }) effectiveFrom: Date | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    const actorId = principalOf(ctx).userId;
    const price = await ctx.services.db.$transaction((tx) =>
      addPrice(tx, {
        model,
        size,
        quality,
        perImageMicros: perImage,
        effectiveFrom: effectiveFrom ?? ctx.services.now(),
        actorId,
      }),
    );
    return toPriceType(price);
  }
}
