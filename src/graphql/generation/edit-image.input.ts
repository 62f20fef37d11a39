import type { Readable } from "node:stream";
import { GraphQLUpload, type FileUpload } from "graphql-upload-minimal";
import { Field, ID, InputType, Int } from "type-graphql";
import { sourceInputOf, type EditRequestInput } from "../../domain/edits/resolve-edit";
import { ImageBackground, ImageModel, ImageOutputFormat, ImageQuality, ImageSize, InputFidelity } from "../enums";

@InputType({ description: "One source image of an edit: exactly one of upload or generationId." })
export class ImageSourceInput {
  @Field(() => GraphQLUpload, {
    nullable: true,
    description:
      "A file sent with the request (GraphQL multipart request spec; send Apollo-Require-Preflight: true). " +
      "PNG, JPEG or WEBP under 50 MB; a mask a PNG with an alpha channel under 4 MB.",
  })
  upload?: Promise<FileUpload> | null;

  @Field(() => ID, { nullable: true, description: "One of your successful generations." })
  generationId?: string | null;

  @Field(() => Int, { nullable: true, description: "Which of its images; default 0." })
  index?: number | null;
}

@InputType()
export class EditImageInput {
  @Field()
  prompt!: string;

  @Field(() => [ImageSourceInput], {
    description: "1-16 images; the first is the one a mask applies to.",
  })
  images!: ImageSourceInput[];

  @Field(() => ImageSourceInput, {
    nullable: true,
    description: "A PNG with an alpha channel, the first image's dimensions: its transparent areas are edited.",
  })
  mask?: ImageSourceInput | null;

  @Field(() => ImageModel, { nullable: true, description: "A GPT image model; default DEFAULT_IMAGE_MODEL." })
  model?: ImageModel | null;

  @Field(() => Int, { nullable: true, defaultValue: 1 })
  n?: number | null;

  @Field(() => ImageSize, { nullable: true, description: "Default: SIZE_1024X1024; CUSTOM with width and height." })
  size?: ImageSize | null;

  @Field(() => Int, { nullable: true })
  width?: number | null;

  @Field(() => Int, { nullable: true })
  height?: number | null;

  @Field(() => ImageQuality, { nullable: true, description: "Default: the model's cheapest." })
  quality?: ImageQuality | null;

  @Field(() => InputFidelity, {
    nullable: true,
    description: "Not GPT_IMAGE_1_MINI. The GPT_IMAGE_2 family keeps input images at high fidelity whatever is asked.",
  })
  inputFidelity?: InputFidelity | null;

  @Field(() => ImageOutputFormat, { nullable: true, description: "GPT_IMAGE_2 and later; default PNG." })
  outputFormat?: ImageOutputFormat | null;

  @Field(() => ImageBackground, { nullable: true, description: "GPT_IMAGE_2 and later." })
  background?: ImageBackground | null;

  @Field(() => String, { nullable: true, description: "Same key from the same user: the first result again." })
  idempotencyKey?: string | null;
}

/** The domain's edit request: each source as an upload to read or a stored image, checked to be exactly one. */
export function toEditRequest(input: EditImageInput): EditRequestInput {
  const source = (given: ImageSourceInput, field: string) =>
    sourceInputOf(
      {
        upload: given.upload === undefined || given.upload === null ? null : openUpload(given.upload),
        generationId: given.generationId,
        index: given.index,
      },
      field,
    );
  return {
    prompt: input.prompt,
    model: input.model,
    n: input.n,
    size: input.size,
    width: input.width,
    height: input.height,
    quality: input.quality,
    outputFormat: input.outputFormat,
    background: input.background,
    idempotencyKey: input.idempotencyKey,
    inputFidelity: input.inputFidelity,
    images: input.images.map((image, index) => source(image, `input.images[${index}]`)),
    mask: input.mask === undefined || input.mask === null ? null : source(input.mask, "input.mask"),
  };
}

function openUpload(upload: Promise<FileUpload>): () => Promise<Readable> {
  return async () => (await upload).createReadStream();
}
