import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { addPrice, pricesInForce, type PriceRecord } from "../../domain/pricing/price-book";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel, ImageQuality, ImageSize } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { PriceType, TokenPriceType } from "./price.type";
import { addTokenPrice, tokenPricesInForce, type TokenPriceRecord } from "../../domain/pricing/token-price-book";

const toPriceType = (price: PriceRecord): PriceType => ({
  model: price.model,
  size: price.size,
  quality: price.quality,
  perImage: price.perImageMicros,
  effectiveFrom: price.effectiveFrom,
});

const toTokenPriceType = (price: TokenPriceRecord): TokenPriceType => ({
  model: price.model,
  textInputPerMillion: price.perMillionMicros.TEXT_INPUT ?? 0n,
  cachedTextInputPerMillion: price.perMillionMicros.CACHED_TEXT_INPUT,
  imageInputPerMillion: price.perMillionMicros.IMAGE_INPUT ?? 0n,
  cachedImageInputPerMillion: price.perMillionMicros.CACHED_IMAGE_INPUT,
  imageOutputPerMillion: price.perMillionMicros.IMAGE_OUTPUT ?? 0n,
  effectiveFrom: price.effectiveFrom,
});

@Resolver()
export class PricingResolver {
  @Authorized()
  @Query(() => [PriceType], { description: "The prices in force now." })
  async prices(@Ctx() ctx: GraphQLContext) {
    return (await pricesInForce(ctx.services.db, ctx.services.now())).map(toPriceType);
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

  @Authorized()
  @Query(() => [TokenPriceType], { description: "The token prices in force now, per token-billed model." })
  async tokenPrices(@Ctx() ctx: GraphQLContext) {
    return (await tokenPricesInForce(ctx.services.db, ctx.services.now())).map(toTokenPriceType);
  }

  @Authorized("ADMIN")
  @Mutation(() => TokenPriceType, {
    description:
      "Adds token prices from effectiveFrom (default now); earlier generations keep theirs. A cached price left out " +
      "keeps the one in force. Audited.",
  })
  async setTokenPrice(
    @Arg("model", () => ImageModel) model: ImageModel,
    @Arg("textInputPerMillion", () => MoneyScalar) textInputPerMillion: bigint,
    @Arg("imageInputPerMillion", () => MoneyScalar) imageInputPerMillion: bigint,
    @Arg("imageOutputPerMillion", () => MoneyScalar) imageOutputPerMillion: bigint,
    @Arg("cachedTextInputPerMillion", () => MoneyScalar, { nullable: true }) cachedTextInputPerMillion: bigint | null,
    @Arg("cachedImageInputPerMillion", () => MoneyScalar, { nullable: true }) cachedImageInputPerMillion: bigint | null,
    @Arg("effectiveFrom", () => Date, { nullable: true }) effectiveFrom: Date | null,
    @Ctx() ctx: GraphQLContext,
  ) {
    const price = await ctx.services.db.$transaction((tx) =>
      addTokenPrice(tx, {
        model,
        perMillionMicros: {
          TEXT_INPUT: textInputPerMillion,
          IMAGE_INPUT: imageInputPerMillion,
          IMAGE_OUTPUT: imageOutputPerMillion,
          ...(cachedTextInputPerMillion === null ? {} : { CACHED_TEXT_INPUT: cachedTextInputPerMillion }),
          ...(cachedImageInputPerMillion === null ? {} : { CACHED_IMAGE_INPUT: cachedImageInputPerMillion }),
        },
        effectiveFrom: effectiveFrom ?? ctx.services.now(),
        actorId: principalOf(ctx).userId,
      }),
    );
    return toTokenPriceType(price);
  }
}
