import type { PartialImageUpdate } from "./generation-updates";

// The receiving side of GenerationUpdates: in each process, whoever watches a generation live (the
// generationUpdated subscription) hears what the process running it announced, wherever that process is.

/** What a watcher of one generation hears: re-read it, or a partial image to pass on. */
export type GenerationSignal = { kind: "changed" } | { kind: "partial"; partial: PartialImageUpdate };

export interface GenerationFeed {
  /**
   * Calls `listener` with each signal for `generationId`, in the order announced, until the returned function is
   * called. A listener must not throw, and must not block: it queues what it hears.
   */
  watch(generationId: string, listener: (signal: GenerationSignal) => void): () => void;
}
