import { buffer } from "node:stream/consumers";
import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { DomainError } from "../../domain/errors";
import type { GraphQLContext } from "../context";
import { ImageType } from "./image.type";

// b64Json carries a stored image's bytes in the answer itself: one 110-byte query of a page of generations once
// answered 280 MB of base64 and took the process to 1.7 GB. So it is served only where a generation is answered
// alone (generateImage, generation(id)), at most 10 images; in a list (generations, a ledger entry's generation) it
// is null and the image is at its url. Aliases could still ask for many generations alone: the images read back
// from storage for one answer may total B64_BYTES_PER_ANSWER; past that, an image's b64Json is RESPONSE_TOO_LARGE
// (the rest of the answer stands). Images generateImage has just made are in memory already: always served, and
// counted.

export const B64_BYTES_PER_ANSWER = 32 * 1024 * 1024;

/** Bytes of images left to send as base64 in each request's answer. */
const leftPerAnswer = new WeakMap<GraphQLContext, { bytes: number }>();

/** Takes `bytes` from the answer's budget; false, taking nothing, when they do not fit. */
function take(ctx: GraphQLContext, bytes: number, always = false): boolean {
  let left = leftPerAnswer.get(ctx);
  if (left === undefined) leftPerAnswer.set(ctx, (left = { bytes: B64_BYTES_PER_ANSWER }));
  if (bytes > left.bytes && !always) return false;
  left.bytes -= bytes;
  return true;
}

function tooLarge(): DomainError {
  const mib = B64_BYTES_PER_ANSWER / 1024 / 1024;
  return new DomainError(
    "RESPONSE_TOO_LARGE",
    `This answer already carries close to ${mib} MiB of images as base64, its most; read this image at its url`,
    { maxBytes: B64_BYTES_PER_ANSWER },
  );
}

@Resolver(() => ImageType)
export class ImageResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The image as base64, when the generation asked for B64_JSON and is answered alone (generateImage, " +
      "generation(id)); null in lists (generations, ledger), where url serves it. At most 32 MiB of images per " +
      "answer: past that, RESPONSE_TOO_LARGE on this field.",
  })
  async b64Json(@Root() image: ImageType, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    if (!image.includeB64) return null;
    if (image.bytes !== undefined) {
      take(ctx, image.bytes.length, true);
      return image.bytes.toString("base64");
    }
    const stored = await ctx.services.storage.open(image.storageKey);
    if (stored === null) return null;
    if (!take(ctx, stored.sizeBytes)) throw tooLarge();
    return (await buffer(stored.stream())).toString("base64");
  }
}
