import type { ImageModel } from "../domain/enums";
import { createLocalProvider } from "./local";
import { createOpenAIProvider } from "./openai";
import { isOpenAIModel } from "./openai-wire";
import type { ImageProvider } from "./provider";
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

export function createProviderRegistry(settings: ProviderSettings): ProviderRegistry {
  const local = createLocalProvider();
  const openai =
    settings.openai === undefined
      ? local
      : createOpenAIProvider({
          apiKey: settings.openai.apiKey,
          baseURL: settings.openai.baseURL,
          timeoutMs: settings.timeoutMs,
          maxRetries: settings.maxRetries,
          fetchImageTimeoutMs: settings.fetchImageTimeoutMs,
        });
  const stability =
    settings.stability === undefined
      ? local
      : createStabilityProvider({
          apiKey: settings.stability.apiKey,
          baseURL: settings.stability.baseURL,
          timeoutMs: settings.timeoutMs,
          maxRetries: settings.maxRetries,
          retryBaseDelayMs: settings.retryBaseDelayMs,
        });

  return {
    forModel(model: ImageModel): ImageProvider {
      if (isOpenAIModel(model)) return openai;
      if (model === "STABLE_DIFFUSION_XL") return stability;
      throw new Error(`No provider serves model ${model}`);
    },
  };
}
