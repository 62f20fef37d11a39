import { Field, InputType, Int } from "type-graphql";
import { ImageModel, ImageQuality, ImageResponseFormat, ImageSize, ImageStyle, ModerationLevel } from "../enums";

@InputType()
export class GenerateImageInput {
  @Field()
  prompt!: string;

  @Field(() => ImageModel, { nullable: true, description: "Default: the server's DEFAULT_IMAGE_MODEL (DALL_E_3)." })
  model?: ImageModel | null;

  @Field(() => Int, { nullable: true, defaultValue: 1 })
  n?: number | null;

  @Field(() => ImageSize, { nullable: true, description: "Default: SIZE_1024X1024." })
  size?: ImageSize | null;

  @Field(() => ImageQuality, { nullable: true, description: "Default: the model's cheapest." })
  quality?: ImageQuality | null;

  @Field(() => ImageStyle, { nullable: true, description: "DALL_E_3 only; default VIVID." })
  style?: ImageStyle | null;

  @Field(() => ImageResponseFormat, { nullable: true, defaultValue: ImageResponseFormat.URL })
  responseFormat?: ImageResponseFormat | null;

  @Field(() => ModerationLevel, { nullable: true, description: "GPT_IMAGE_* only." })
  moderation?: ModerationLevel | null;

  @Field(() => String, {
    nullable: true,
    description: "The same key from the same user returns the first result again, charged once.",
  })
  idempotencyKey?: string | null;
}
