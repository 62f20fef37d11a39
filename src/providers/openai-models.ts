import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from "openai";
import type { ModelListSource } from "../domain/models/model-list-watch";
import type { ModelListEntry } from "../domain/models/shutdown-recording";
import { httpFetch } from "./http-fetch";

// OpenAI's model list (GET /v1/models) as the model-list watch reads it: each entry's id and its optional
// shutdown_date ("YYYY-MM-DD", or null while none is announced). Entries are passed on as they come; the watch
// decides which it believes.

export interface OpenAIModelListOptions {
  apiKey: string;
  /** The images provider's base URL, version path included, e.g. `http://127.0.0.1:1234/v1`. */
  baseURL?: string | undefined;
  timeoutMs: number;
  maxRetries?: number | undefined;
}

const LABEL = "OpenAI models.list";

export function createOpenAIModelListSource(options: OpenAIModelListOptions): ModelListSource {
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries ?? 2,
    logLevel: "off",
    fetch: httpFetch,
  });
  return {
    provider: "openai",
    async list(signal?: AbortSignal): Promise<ModelListEntry[]> {
      let items: unknown;
      try {
        items = (await client.models.list({ signal })).data;
      } catch (error) {
        throw listFailure(error);
      }
      if (!Array.isArray(items)) throw new Error(`${LABEL} returned a body without a data array`);
      return items.flatMap((item: unknown) => {
        const { id, shutdown_date } = (typeof item === "object" && item !== null ? item : {}) as Record<
          string,
          unknown
        >;
        if (typeof id !== "string") return [];
        return [{ upstreamId: id, shutdownDate: typeof shutdown_date === "string" ? shutdown_date : null }];
      });
    },
  };
}

/** Status and error class only: the upstream's message may echo the key (some gateways do). */
function listFailure(error: unknown): Error {
  if (error instanceof APIUserAbortError) return new Error(`${LABEL} aborted`);
  if (error instanceof APIError && typeof error.status === "number") {
    return new Error(`${LABEL} failed: HTTP ${error.status}`);
  }
  if (error instanceof APIConnectionTimeoutError) return new Error(`${LABEL} timed out`);
  if (error instanceof APIConnectionError) return new Error(`${LABEL} could not connect`);
  const name = typeof error === "object" && error !== null ? String((error as { name?: unknown }).name) : typeof error;
  return new Error(`${LABEL} failed unexpectedly (${name})`);
}
