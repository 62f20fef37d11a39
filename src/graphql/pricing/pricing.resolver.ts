import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { addPrice, priceHistory, type PriceHistoryRecord, type PriceRecord } from "../../domain/pricing/price-book";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel, ImageQuality, ImageSize } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { PriceType, TokenPriceType } from "./price.type";
import {
  addTokenPrice,
  tokenPriceHistory,
  type TokenPriceHistoryRecord,
  type TokenPriceRecord,
} from "../../domain/pricing/token-price-book";

/** In force at `now`: started, and not yet followed by a later one. */
const inForceAt =
  (now: Date) =>
  (row: { effectiveFrom: Date; effectiveTo: Date | null }): boolean =>
    row.effectiveFrom.getTime() <= now.getTime() &&
    (row.effectiveTo === null || row.effectiveTo.getTime() > now.getTime());

const HISTORY_DESCRIPTION =
  "true: every row, past, in force and scheduled (effectiveFrom in the future), oldest first per key; " +
  "default false: the rows in force now.";

const toPriceType = (price: PriceRecord & { effectiveTo?: Date | null }): PriceType => ({
  model: price.model,
  size: price.size,
  quality: price.quality,
  perImage: price.perImageMicros,
  effectiveFrom: price.effectiveFrom,
  effectiveTo: price.effectiveTo ?? null,
});

const toTokenPriceType = (price: TokenPriceRecord & { effectiveTo?: Date | null }): TokenPriceType => ({
  model: price.model,
  textInputPerMillion: price.perMillionMicros.TEXT_INPUT ?? 0n,
  cachedTextInputPerMillion: price.perMillionMicros.CACHED_TEXT_INPUT,
  imageInputPerMillion: price.perMillionMicros.IMAGE_INPUT ?? 0n,
  cachedImageInputPerMillion: price.perMillionMicros.CACHED_IMAGE_INPUT,
  imageOutputPerMillion: price.perMillionMicros.IMAGE_OUTPUT ?? 0n,
  effectiveFrom: price.effectiveFrom,
  effectiveTo: price.effectiveTo ?? null,
});

@Resolver()
export class PricingResolver {
  @Authorized()
  @Query(() => [PriceType], { description: "The prices in force now, or with includeHistory every price." })
  async prices(
    @Ctx() ctx: GraphQLContext,
    @Arg("includeHistory", { defaultValue: false, description: HISTORY_DESCRIPTION }) includeHistory: boolean,
  ) {
    const rows: PriceHistoryRecord[] = await priceHistory(ctx.services.db);
    return (includeHistory ? rows : rows.filter(inForceAt(ctx.services.now()))).map(toPriceType);
  }

  @Authorized("ADMIN")
  @Mutation(() => PriceType, {
    description:
      "Adds a price from effectiveFrom (default now); earlier generations keep theirs. A backdated price " +
      "(effectiveFrom in the past) that a later price overrides is BAD_USER_INPUT; any backdated price is audited " +
      "as such (after.backdated).",
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
    const now = ctx.services.now();
    const price = await ctx.services.db.$transaction((tx) =>
      addPrice(tx, {
        model,
        size,
        quality,
        perImageMicros: perImage,
        effectiveFrom: effectiveFrom ?? now,
        actorId,
        now,
      }),
    );
    return toPriceType(price);
  }

  @Authorized()
  @Query(() => [TokenPriceType], {
    description: "The token prices in force now, per token-billed model, or with includeHistory every change.",
  })
  async tokenPrices(
    @Ctx() ctx: GraphQLContext,
    @Arg("includeHistory", { defaultValue: false, description: HISTORY_DESCRIPTION }) includeHistory: boolean,
  ) {
    const rows: TokenPriceHistoryRecord[] = await tokenPriceHistory(ctx.services.db);
    return (includeHistory ? rows : rows.filter(inForceAt(ctx.services.now()))).map(toTokenPriceType);
  }

  @Authorized("ADMIN")
  @Mutation(() => TokenPriceType, {
    description:
      "Adds token prices from effectiveFrom (default now); earlier generations keep theirs. A cached price left out " +
      "keeps the one in force. Audited. A backdated one that a later price of the same kinds overrides is " +
      "BAD_USER_INPUT.",
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
    const now = ctx.services.now();
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
        effectiveFrom: effectiveFrom ?? now,
        actorId: principalOf(ctx).userId,
        now,
      }),
    );
    return toTokenPriceType(price);
  }
}
