import { renderPlaceholderPng } from "./placeholder-png";
import type { ImageProvider, ProviderImageRequest, ProviderResult } from "../domain/generation/image-provider";

/**
 * The built-in provider used when no provider key is configured: placeholder PNGs of exactly the requested
 * size, one colour pair per prompt and index, so images differ and the same request renders the same images.
 * It reports no usage, so GPT image models are charged the table price.
 */
export function createLocalProvider(): ImageProvider {
  return {
    name: "local",
    async generate(request: ProviderImageRequest): Promise<ProviderResult> {
      const images = [];
      for (let index = 0; index < request.n; index++) {
        const seed = `${request.model}\u0000${request.prompt}\u0000${index}`;
        images.push({ bytes: renderPlaceholderPng(request.width, request.height, seed), contentType: "image/png" });
      }
      return { images };
    },
  };
}
