import { CATALOG } from "../domain/catalog";
import type { ImageModel, ProviderName } from "../domain/enums";
import type { ImageProvider } from "../domain/generation/image-provider";
import { createLocalProvider } from "./local";
import { createOpenAIProvider } from "./openai";
import { createStabilityProvider } from "./stability";

export interface ProviderCredentials {
  apiKey: string;
  baseURL?: string | undefined;
}

export interface ProviderSettings {
  /** Absent: OpenAI models are served by the local provider. */
  openai?: ProviderCredentials | undefined;
  /** Absent: STABLE_DIFFUSION_XL is served by the local provider. */
  stability?: ProviderCredentials | undefined;
  /** Per attempt. */
  timeoutMs: number;
  maxRetries: number;
  /** Download timeout for images a gateway returns as URLs. Default 30 s. */
  fetchImageTimeoutMs?: number | undefined;
  /** Stability's backoff when the server gives no Retry-After (tests make it small). Default 500 ms. */
  retryBaseDelayMs?: number | undefined;
}

export interface ProviderRegistry {
  forModel(model: ImageModel): ImageProvider;
}

/** Providers by name; the catalog names which serves each model. Without its key, a provider is the local one. */
export function createProviderRegistry(settings: ProviderSettings): ProviderRegistry {
  const local = createLocalProvider();
  const byName: Record<Exclude<ProviderName, "local">, ImageProvider> = {
    openai:
      settings.openai === undefined
        ? local
        : createOpenAIProvider({
            apiKey: settings.openai.apiKey,
            baseURL: settings.openai.baseURL,
            timeoutMs: settings.timeoutMs,
            maxRetries: settings.maxRetries,
            fetchImageTimeoutMs: settings.fetchImageTimeoutMs,
          }),
    stability:
      settings.stability === undefined
        ? local
        : createStabilityProvider({
            apiKey: settings.stability.apiKey,
            baseURL: settings.stability.baseURL,
            timeoutMs: settings.timeoutMs,
            maxRetries: settings.maxRetries,
            retryBaseDelayMs: settings.retryBaseDelayMs,
          }),
  };
  return { forModel: (model) => byName[CATALOG[model].provider] };
}
