import { CATALOG } from "../../src/domain/catalog";
import type { ImageModel } from "../../src/domain/enums";
import {
  ProviderError,
  type ProviderImageRequest,
  type ProviderResult,
} from "../../src/domain/generation/image-provider";

/** A valid request for tests (the model's default quality); override what the test is about. */
export function imageRequest(overrides: Partial<ProviderImageRequest> & { model: ImageModel }): ProviderImageRequest {
  return {
    prompt: "a lighthouse on a cliff at dusk",
    n: 1,
    width: 1024,
    height: 1024,
    quality: CATALOG[overrides.model].qualities[0] ?? "STANDARD",
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
