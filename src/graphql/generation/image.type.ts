import { Field, Int, ObjectType } from "type-graphql";

@ObjectType("Image")
export class ImageType {
  @Field(() => Int)
  index!: number;

  @Field(() => String, { nullable: true, description: "Served by imagegate; does not expire." })
  url!: string | null;

  // b64Json is a field resolver: the bytes are read from storage only when asked for.
  @Field(() => String, { nullable: true })
  revisedPrompt!: string | null;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;

  storageKey!: string;
  /** Asked for as B64_JSON, and answered alone rather than in a list. */
  includeB64!: boolean;
  /** The bytes, when still in memory: the response to the request that made the image need not read them back. */
  bytes?: Buffer;
}
