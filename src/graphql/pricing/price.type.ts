import { Field, Int, ObjectType } from "type-graphql";
import { ImageModel, ImageQuality, ImageSize, ImageStyle } from "../enums";
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
}
