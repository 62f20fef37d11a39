import type { ImageModel, ImageQuality } from "../../src/domain/enums";
import { ProviderError, type ProviderImageRequest, type ProviderResult } from "../../src/providers/provider";

/** A valid request for tests; override what the test is about. */
export function imageRequest(overrides: Partial<ProviderImageRequest> & { model: ImageModel }): ProviderImageRequest {
  const defaultQuality: Record<ImageModel, ImageQuality> = {
    DALL_E_2: "STANDARD",
    DALL_E_3: "STANDARD",
    GPT_IMAGE_1: "LOW",
    GPT_IMAGE_1_MINI: "LOW",
    STABLE_DIFFUSION_XL: "STANDARD",
  };
  return {
    prompt: "a lighthouse on a cliff at dusk",
    n: 1,
    width: 1024,
    height: 1024,
    quality: defaultQuality[overrides.model],
    userTag: "0123456789abcdef0123456789abcdef",
    ...overrides,
  };
}

/** The ProviderError a provider call rejects with; anything else fails the test. */
export async function failureOf(promise: Promise<ProviderResult>): Promise<ProviderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
  return error;
}
