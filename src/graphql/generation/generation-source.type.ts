import { Field, Int, ObjectType, registerEnumType } from "type-graphql";
import type { GenerationSource } from "../../generated/prisma/client";

export const SourceRole = { IMAGE: "IMAGE", MASK: "MASK" } as const;
export type SourceRole = (typeof SourceRole)[keyof typeof SourceRole];
registerEnumType(SourceRole, { name: "SourceRole" });

@ObjectType("GenerationSource", {
  description:
    "One source image of an edit: an image of a generation (generation, index), or an upload, of which its type, " +
    "size and sha256 are kept (not its bytes).",
})
export class GenerationSourceType {
  @Field(() => SourceRole)
  role!: SourceRole;

  @Field(() => Int, { description: "Its place among the images, in the order sent; 0 for the mask." })
  position!: number;

  // `generation` is a field resolver: null for an upload, or a generation the caller may not read.
  sourceGenerationId!: string | null;

  @Field(() => Int, { nullable: true, description: "The generation's image it was; null for an upload." })
  index!: number | null;

  @Field()
  contentType!: string;

  @Field({ description: "Hex SHA-256 of the bytes." })
  sha256!: string;

  @Field(() => Int)
  sizeBytes!: number;

  @Field(() => Int)
  width!: number;

  @Field(() => Int)
  height!: number;
}

export function toGenerationSourceType(row: GenerationSource): GenerationSourceType {
  return {
    role: row.role as SourceRole,
    position: row.position,
    sourceGenerationId: row.sourceGenerationId,
    index: row.sourceIndex,
    contentType: row.contentType,
    sha256: row.sha256,
    sizeBytes: row.sizeBytes,
    width: row.width,
    height: row.height,
  };
}
