import { Field, Int, ObjectType } from "type-graphql";
import { ImageModel, ImageOutputFormat, ImageQuality, ImageSize, ImageStyle, ModelStatus } from "../enums";
import { MoneyScalar } from "../scalars/money.scalar";

@ObjectType("Price")
export class PriceType {
  @Field(() => ImageModel)
  model!: ImageModel;

  @Field(() => ImageSize)
  size!: ImageSize;

  @Field(() => ImageQuality)
  quality!: ImageQuality;

  @Field(() => MoneyScalar)
  perImage!: bigint;

  @Field()
  effectiveFrom!: Date;

  @Field(() => Date, { nullable: true, description: "When the next price starts; null while none is set." })
  effectiveTo!: Date | null;
}

@ObjectType("ModelInfo")
export class ModelInfoType {
  @Field(() => ImageModel)
  model!: ImageModel;

  @Field()
  provider!: string;

  @Field(() => [ImageSize])
  sizes!: ImageSize[];

  @Field(() => [ImageQuality], { description: "The default first." })
  qualities!: ImageQuality[];

  @Field(() => [ImageStyle], { description: "The default first; empty when the model takes no style." })
  styles!: ImageStyle[];

  @Field(() => Int)
  maxN!: number;

  @Field(() => Int)
  maxPromptLength!: number;

  @Field(() => [ImageOutputFormat], { description: "Empty when the model takes no output format (PNG)." })
  outputFormats!: ImageOutputFormat[];

  @Field({ description: "Whether width and height (any size within the model's rules) are accepted." })
  customSizes!: boolean;

  @Field(() => ModelStatus)
  status!: ModelStatus;

  @Field(() => Date, { nullable: true, description: "The day (UTC) the provider stops, or stopped, serving it." })
  shutdownDate!: Date | null;

  @Field(() => ImageModel, { nullable: true, description: "What the provider recommends instead." })
  replacement!: ImageModel | null;

  @Field(() => ImageModel, {
    nullable: true,
    description: "Where an admin's route sends it; null when served as itself.",
  })
  servedBy!: ImageModel | null;

  @Field({ description: "false: refused (MODEL_RETIRED) before anything is held." })
  enabled!: boolean;
}

@ObjectType("TokenPrice", { description: "US dollars per million tokens." })
export class TokenPriceType {
  @Field(() => ImageModel)
  model!: ImageModel;

  @Field(() => MoneyScalar)
  textInputPerMillion!: bigint;

  @Field(() => MoneyScalar, { nullable: true })
  cachedTextInputPerMillion!: bigint | null;

  @Field(() => MoneyScalar)
  imageInputPerMillion!: bigint;

  @Field(() => MoneyScalar, { nullable: true })
  cachedImageInputPerMillion!: bigint | null;

  @Field(() => MoneyScalar)
  imageOutputPerMillion!: bigint;

  @Field()
  effectiveFrom!: Date;

  @Field(() => Date, { nullable: true, description: "When the model's next token price starts; null while none." })
  effectiveTo!: Date | null;
}
