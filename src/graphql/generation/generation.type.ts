import { Field, ID, Int, ObjectType } from "type-graphql";
import type { GenerationRecord } from "../../domain/generation/generation-record";
import { GenerationStatus, ImageModel, ImageQuality, ImageSize, ImageStyle } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { ConnectionType } from "../connection";
import { imageFileName } from "../../storage/image-storage";
import { ImageType } from "./image.type";

@ObjectType("TokenUsage", { description: "The tokens the provider reported, which the charge was computed from." })
export class TokenUsageType {
  @Field(() => Int)
  textInputTokens!: number;

  @Field(() => Int)
  imageInputTokens!: number;

  @Field(() => Int)
  outputTokens!: number;
}

@ObjectType("ImageGeneration")
export class ImageGenerationType {
  @Field(() => ID)
  id!: string;

  @Field(() => GenerationStatus)
  status!: GenerationStatus;

  @Field({ description: '"openai", "stability" or "local"' })
  provider!: string;

  @Field(() => ImageModel, { description: "The model the request named." })
  model!: ImageModel;

  @Field(() => ImageModel, {
    description:
      "The model that produced the images, and whose prices it was charged at (a route may differ from model).",
  })
  servedModel!: ImageModel;

  @Field(() => ImageSize, { description: "CUSTOM when width and height were given." })
  size!: ImageSize;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;

  @Field(() => ImageQuality)
  quality!: ImageQuality;

  @Field(() => ImageStyle, { nullable: true })
  style!: ImageStyle | null;

  @Field(() => Int)
  n!: number;

  @Field()
  prompt!: string;

  @Field(() => [ImageType])
  images!: ImageType[];

  @Field(() => MoneyScalar, { description: "What was charged: zero unless the generation succeeded." })
  cost!: bigint;

  @Field(() => TokenUsageType, { nullable: true, description: "When the provider reported it." })
  usage!: TokenUsageType | null;

  @Field(() => MoneyScalar, {
    description:
      "What the reported usage cost beyond the hold, which was charged instead: never charged, kept for finance.",
  })
  shortfall!: bigint;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  completedAt!: Date | null;

  @Field(() => String, { nullable: true })
  errorCode!: string | null;

  // `user` is a field resolver (batched by a loader).
  userId!: string;
}

export const GenerationConnection = ConnectionType("Generation", ImageGenerationType);

/**
 * `alone`: the answer holds this generation by itself (generateImage, generation(id)), not as a row of a list, so its
 * images' b64Json may be served (image.resolver.ts).
 */
export function toGenerationType(record: GenerationRecord, publicUrl: string, alone: boolean): ImageGenerationType {
  const includeB64 = alone && record.responseFormat === "B64_JSON";
  return {
    id: record.id,
    status: record.status,
    provider: record.provider,
    model: record.requestedModel,
    servedModel: record.model,
    size: record.size,
    width: record.width,
    height: record.height,
    quality: record.quality,
    style: record.style,
    n: record.n,
    prompt: record.prompt,
    images: record.images.map((image) => ({
      index: image.index,
      url: `${publicUrl}/images/${record.id}/${imageFileName(image.index, image.contentType)}`,
      revisedPrompt: image.revisedPrompt,
      width: image.width,
      height: image.height,
      storageKey: image.storageKey,
      includeB64,
      bytes: image.bytes,
    })),
    cost: record.costMicros,
    usage: usageOf(record),
    shortfall: record.shortfallMicros,
    createdAt: record.createdAt,
    completedAt: record.completedAt,
    errorCode: record.errorCode,
    userId: record.userId,
  };
}

function usageOf(record: GenerationRecord): TokenUsageType | null {
  if (record.outputTokens === null) return null;
  return {
    textInputTokens: record.inputTextTokens ?? 0,
    imageInputTokens: record.inputImageTokens ?? 0,
    outputTokens: record.outputTokens,
  };
}
