import { Field, InputType, Int } from "type-graphql";
import {
  ImageBackground,
  ImageModel,
  ImageOutputFormat,
  ImageQuality,
  ImageResponseFormat,
  ImageSize,
  ImageStyle,
  ModerationLevel,
} from "../enums";

@InputType()
export class GenerateImageInput {
  @Field()
  prompt!: string;

  @Field(() => ImageModel, {
    nullable: true,
    description: "Default: the server's DEFAULT_IMAGE_MODEL (GPT_IMAGE_2 unless set).",
  })
  model?: ImageModel | null;

  @Field(() => Int, { nullable: true, defaultValue: 1 })
  n?: number | null;

  @Field(() => ImageSize, { nullable: true, description: "Default: SIZE_1024X1024; CUSTOM with width and height." })
  size?: ImageSize | null;

  @Field(() => Int, {
    nullable: true,
    description: "With height, any size the model's rules allow, instead of size (multiples of 16 for GPT_IMAGE_2).",
  })
  width?: number | null;

  @Field(() => Int, { nullable: true })
  height?: number | null;

  @Field(() => ImageQuality, { nullable: true, description: "Default: the model's cheapest." })
  quality?: ImageQuality | null;

  @Field(() => ImageStyle, { nullable: true, description: "DALL_E_3 only; default VIVID." })
  style?: ImageStyle | null;

  @Field(() => ImageResponseFormat, { nullable: true, defaultValue: ImageResponseFormat.URL })
  responseFormat?: ImageResponseFormat | null;

  @Field(() => ModerationLevel, { nullable: true, description: "GPT_IMAGE_* only." })
  moderation?: ModerationLevel | null;

  @Field(() => ImageOutputFormat, { nullable: true, description: "GPT_IMAGE_2 and later; default PNG." })
  outputFormat?: ImageOutputFormat | null;

  @Field(() => Int, { nullable: true, description: "0-100, with outputFormat JPEG or WEBP." })
  outputCompression?: number | null;

  @Field(() => ImageBackground, {
    nullable: true,
    description: "GPT_IMAGE_2 and later; TRANSPARENT needs outputFormat PNG or WEBP.",
  })
  background?: ImageBackground | null;

  @Field(() => String, {
    nullable: true,
    description: "The same key from the same user returns the first result again, charged once.",
  })
  idempotencyKey?: string | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "0-3, GPT_IMAGE_* models with n = 1: partial images streamed while it runs (startImageGeneration's watchers).",
  })
  partialImages?: number | null;
}
