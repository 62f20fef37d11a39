import { createHash } from "node:crypto";
import { renderPlaceholderPng } from "./placeholder-png";
import type {
  ImageProvider,
  ProviderCallOptions,
  ProviderEditRequest,
  ProviderImageRequest,
  ProviderResult,
} from "../domain/generation/image-provider";

/**
 * The built-in provider used when no provider key is configured: placeholder PNGs of exactly the requested
 * size, one colour pair per prompt and index, so images differ and the same request renders the same images.
 * It reports no usage, so GPT image models are charged the table price. Asked for partial images, it reports as
 * many placeholders (one per partial index) before answering.
 */
export function createLocalProvider(): ImageProvider {
  const render = (request: ProviderImageRequest, seedOf: (index: number) => string): ProviderResult => {
    const images = [];
    for (let index = 0; index < request.n; index++) {
      images.push({
        bytes: renderPlaceholderPng(request.width, request.height, seedOf(index)),
        contentType: "image/png",
      });
    }
    return { images };
  };
  return {
    name: "local",
    async generate(request: ProviderImageRequest, options: ProviderCallOptions = {}): Promise<ProviderResult> {
      for (let partialIndex = 0; partialIndex < (request.partialImages ?? 0); partialIndex++) {
        const seed = `${request.model}\u0000${request.prompt}\u0000partial\u0000${partialIndex}`;
        options.onPartialImage?.({
          index: 0,
          partialIndex,
          bytes: renderPlaceholderPng(request.width, request.height, seed),
        });
      }
      return render(request, (index) => `${request.model}\u0000${request.prompt}\u0000${index}`);
    },
    // An edit is a placeholder too, seeded by its sources as well, so that editing another image renders another one.
    async edit(request: ProviderEditRequest): Promise<ProviderResult> {
      const sources = createHash("sha256");
      for (const image of [...request.images, ...(request.mask === undefined ? [] : [request.mask])]) {
        sources.update(image.bytes);
      }
      const digest = sources.digest("hex");
      return render(request, (index) => `${request.model}\u0000${request.prompt}\u0000${digest}\u0000${index}`);
    },
  };
}
