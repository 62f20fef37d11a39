import { Field, ID, Int, ObjectType } from "type-graphql";
import type { GenerationRecord } from "../../domain/generation/generation-record";
import { GenerationStatus, ImageModel, ImageQuality, ImageSize, ImageStyle } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";
import { ConnectionType } from "../connection";
import { imageFileName } from "../../storage/image-storage";
import { ImageType } from "./image.type";

@ObjectType("ImageGeneration")
export class ImageGenerationType {
  @Field(() => ID)
  id!: string;

  @Field(() => GenerationStatus)
  status!: GenerationStatus;

  @Field({ description: '"openai", "stability" or "local"' })
  provider!: string;

  @Field(() => ImageModel)
  model!: ImageModel;

  @Field(() => ImageSize)
  size!: ImageSize;

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

export function toGenerationType(record: GenerationRecord, publicUrl: string): ImageGenerationType {
  const includeB64 = record.responseFormat === "B64_JSON";
  return {
    id: record.id,
    status: record.status,
    provider: record.provider,
    model: record.model,
    size: record.size,
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
    createdAt: record.createdAt,
    completedAt: record.completedAt,
    errorCode: record.errorCode,
    userId: record.userId,
  };
}
