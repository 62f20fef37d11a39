import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from "type-graphql";
import { CATALOG } from "../../domain/catalog";
import type { ImageModel } from "../../domain/enums";
import type { ModelState } from "../../domain/models/model-lifecycle";
import { setModelRoute } from "../../domain/models/model-routes";
import { principalOf, type GraphQLContext } from "../context";
import { ImageModel as ImageModelEnum } from "../enums";
import { ModelInfoType } from "./price.type";

function toModelInfo(state: ModelState, ctx: GraphQLContext): ModelInfoType {
  const spec = CATALOG[state.model];
  return {
    model: spec.model,
    provider: ctx.services.providers.forModel(spec.model).name,
    sizes: [...spec.sizes],
    qualities: [...spec.qualities],
    styles: [...spec.styles],
    maxN: spec.maxN,
    maxPromptLength: spec.maxPromptLength,
    outputFormats: [...spec.outputFormats],
    customSizes: spec.customSizes !== null,
    status: state.status,
    shutdownDate: state.shutdownDate === null ? null : new Date(`${state.shutdownDate}T00:00:00Z`),
    replacement: state.replacement,
    servedBy: state.servedBy,
    enabled: state.enabled,
  };
}

@Resolver()
export class ModelsResolver {
  @Authorized()
  @Query(() => [ModelInfoType], {
    description: 'Every model, with its status and route. provider is the one serving it here: "local" without a key.',
  })
  async models(@Ctx() ctx: GraphQLContext): Promise<ModelInfoType[]> {
    const models = Object.keys(CATALOG) as ImageModel[];
    const states = await ctx.services.models.states(models, ctx.services.now());
    return states.map((state) => toModelInfo(state, ctx));
  }

  @Authorized("ADMIN")
  @Mutation(() => ModelInfoType, {
    description:
      "Routes a model, for every process at once: servedBy null serves it as itself (enabling a SHUT_DOWN model your " +
      "upstream still serves), another model serves it instead (checked, priced and charged as that model), " +
      "enabled false refuses it. Audited.",
  })
  async setModelRoute(
    @Arg("model", () => ImageModelEnum) model: ImageModel,
    @Arg("servedBy", () => ImageModelEnum, { nullable: true }) servedBy: ImageModel | null | undefined,
    @Arg("enabled") enabled: boolean,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelInfoType> {
    const state = await ctx.services.db.$transaction((tx) =>
      setModelRoute(tx, {
        model,
        servedBy: servedBy ?? null,
        enabled,
        actorId: principalOf(ctx).userId,
        now: ctx.services.now(),
      }),
    );
    // This process need not wait for the notification: the next request reads the new route.
    ctx.services.models.forget();
    return toModelInfo(state, ctx);
  }
}
