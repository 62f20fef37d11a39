import type OpenAI from "openai";
import type { ImageGenStreamEvent } from "openai/resources/images";
import type { Stream } from "openai/streaming";
import type { HttpFetchOptions } from "./http-fetch";
import { checkedImage, decodeBase64Image, maxAnswerBytes, maxImageBytes } from "./image-bytes";
import { clientRequestId, toProviderError, toProviderUsage } from "./openai";
import { toOpenAIGenerateParams } from "./openai-wire";
import {
  ProviderError,
  type ProviderCallOptions,
  type ProviderImageRequest,
  type ProviderResult,
  type ProviderUsage,
} from "../domain/generation/image-provider";

const LABEL = "OpenAI";

/**
 * A GPT image model's generation with `stream: true` and `partial_images`: Server-Sent Events, the partial images
 * (`image_generation.partial_image`), then `image_generation.completed` with the final image and the usage. Each
 * partial is decoded and checked like a final image and reported at once, in order. Bounded: the whole stream is
 * read against one cap (room for the partials and the final image) and one deadline (`timeoutMs` from the call;
 * the SDK's own timeout ends at the headers); more partials than asked for, or an end without the final image, are
 * the provider's fault.
 */
export async function generateStreaming(
  client: OpenAI,
  request: ProviderImageRequest,
  callOptions: ProviderCallOptions,
  options: { apiKey: string; timeoutMs: number },
): Promise<ProviderResult> {
  const partialImages = request.partialImages ?? 0;
  if (request.n !== 1) throw new ProviderError("UPSTREAM", `${LABEL} streams one image at a time`);
  const params = { ...toOpenAIGenerateParams(request), stream: true as const, partial_images: partialImages };
  const maxImage = maxImageBytes(request.width, request.height);
  const cap: HttpFetchOptions = {
    maxResponseBytes: (1 + partialImages) * maxAnswerBytes(1, request.width, request.height),
    stream: true,
  };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  try {
    let stream: Stream<ImageGenStreamEvent>;
    try {
      stream = await client.images.generate(params, {
        fetchOptions: cap as Record<never, never>,
        headers: clientRequestId(request),
        signal: deadline.signal,
      });
    } catch (error) {
      throw deadline.signal.aborted ? timedOut() : toProviderError(error, options.apiKey);
    }
    const result = await readStream(stream, partialImages, maxImage, callOptions).catch((error: unknown) => {
      throw deadline.signal.aborted ? timedOut() : toProviderError(error, options.apiKey);
    });
    // The SDK ends an aborted stream quietly: a stream cut by our deadline is a timeout, not an empty answer.
    if (deadline.signal.aborted) throw timedOut();
    if (result === undefined) {
      throw new ProviderError("UPSTREAM", `${LABEL} ended the stream without the final image`, undefined, undefined, {
        retryable: true,
      });
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

async function readStream(
  stream: Stream<ImageGenStreamEvent>,
  partialImages: number,
  maxImage: number,
  callOptions: ProviderCallOptions,
): Promise<ProviderResult | undefined> {
  let partialIndex = 0;
  for await (const event of stream as AsyncIterable<unknown>) {
    const {
      type,
      b64_json: b64,
      usage,
    } = (typeof event === "object" && event !== null ? event : {}) as Record<string, unknown>;
    if (type === "image_generation.partial_image") {
      if (partialIndex >= partialImages) {
        throw new ProviderError(
          "UPSTREAM",
          `${LABEL} streamed more than the ${partialImages} partial images asked for`,
        );
      }
      const { bytes } = checkedImage(decodeBase64Image(stringOf(b64), maxImage, LABEL), LABEL);
      callOptions.onPartialImage?.({ index: 0, partialIndex, bytes });
      partialIndex++;
    } else if (type === "image_generation.completed") {
      const parsedUsage: ProviderUsage | undefined = toProviderUsage(usage);
      const image = checkedImage(decodeBase64Image(stringOf(b64), maxImage, LABEL), LABEL);
      return parsedUsage === undefined ? { images: [image] } : { images: [image], usage: parsedUsage };
    }
    // Other event types (future ones) are not ours to read.
  }
  return undefined;
}

function stringOf(value: unknown): string {
  return typeof value === "string" ? value : "";
}

function timedOut(): ProviderError {
  return new ProviderError("UPSTREAM", `${LABEL} images.generate timed out`, undefined, undefined, { retryable: true });
}
