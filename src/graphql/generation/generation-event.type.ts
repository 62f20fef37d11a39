import { Field, Int, ObjectType } from "type-graphql";
import { ImageGenerationType } from "./generation.type";

@ObjectType("PartialImage", { description: "A preview of one image while a streaming model draws it." })
export class PartialImageType {
  @Field(() => Int, { description: "Which image of the request (0-based)." })
  index!: number;

  @Field(() => Int, { description: "Its place in that image's series of previews, from 0." })
  partialIndex!: number;

  @Field()
  b64Json!: string;
}

@ObjectType("GenerationEvent")
export class GenerationEventType {
  @Field(() => ImageGenerationType, { description: "The generation as stored when the event was sent." })
  generation!: ImageGenerationType;

  @Field(() => PartialImageType, { nullable: true, description: "Set when the event is a partial image." })
  partialImage!: PartialImageType | null;
}
