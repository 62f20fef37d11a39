import {
  Arg,
  Args,
  ArgsType,
  Authorized,
  Ctx,
  Field,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
} from "type-graphql";
import { findGeneration, listGenerations } from "../../domain/generation/generation.queries";
import { encodeCursor } from "../../domain/pagination";
import { notFound } from "../../domain/errors";
import { principalOf, type GraphQLContext } from "../context";
import { toConnection } from "../connection";
import { UserType } from "../account/user.type";
import { refundGeneration } from "../../domain/ledger/refunds";
import { LedgerEntryType } from "../ledger/ledger-entry.type";
import { toLedgerEntryType } from "../ledger/ledger-entry.mapper";
import { GenerateImageInput } from "./generate-image.input";
import { GenerationConnection, ImageGenerationType, toGenerationType } from "./generation.type";

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;

  @Field(() => ID, { nullable: true, description: "Another user's: FINANCE and ADMIN only." })
  userId?: string | null;
}

@Resolver(() => ImageGenerationType)
export class GenerationResolver {
  @Authorized()
  @Mutation(() => ImageGenerationType)
  async generateImage(@Arg("input") input: GenerateImageInput, @Ctx() ctx: GraphQLContext) {
    const record = await ctx.services.generation.generate(principalOf(ctx), input, ctx.request);
    return toGenerationType(record, ctx.services.publicUrl(), true);
  }

  @Authorized()
  @Mutation(() => ImageGenerationType, {
    description:
      "Answers the PENDING generation once its price is held; it runs on in the server whatever the client does. " +
      "Poll generation(id). Refusals before the hold are answered here, as generateImage's are.",
  })
  async startImageGeneration(@Arg("input") input: GenerateImageInput, @Ctx() ctx: GraphQLContext) {
    const record = await ctx.services.generation.start(principalOf(ctx), input, ctx.request);
    return toGenerationType(record, ctx.services.publicUrl(), true);
  }

  @Authorized()
  @Query(() => ImageGenerationType, { nullable: true, description: "Its owner's, or anyone's for FINANCE and ADMIN." })
  async generation(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext) {
    const record = await findGeneration(ctx.services.db, principalOf(ctx), id);
    return record === null ? null : toGenerationType(record, ctx.services.publicUrl(), true);
  }

  @Authorized()
  @Query(() => GenerationConnection, { description: "Newest first." })
  async generations(@Args() args: PageArgs, @Ctx() ctx: GraphQLContext) {
    const page = await listGenerations(ctx.services.db, principalOf(ctx), args);
    return toConnection(page, (record) => toGenerationType(record, ctx.services.publicUrl(), false), encodeCursor);
  }

  @Authorized("ADMIN")
  @Mutation(() => LedgerEntryType, { description: "Refunds a successful generation's charge: once per generation." })
  async refundGeneration(@Arg("id", () => ID) id: string, @Arg("reason") reason: string, @Ctx() ctx: GraphQLContext) {
    const entry = await refundGeneration(ctx.services.db, {
      actorId: principalOf(ctx).userId,
      generationId: id,
      reason,
      at: ctx.services.now(),
      timeZone: ctx.services.timeZone,
    });
    return toLedgerEntryType(entry);
  }

  @FieldResolver(() => UserType)
  async user(@Root() generation: ImageGenerationType, @Ctx() ctx: GraphQLContext) {
    const user = await ctx.loaders.userById.load(generation.userId);
    if (user === null) throw notFound("User");
    return user;
  }
}
