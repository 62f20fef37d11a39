// What the generation flow announces while a generation runs, for whoever is watching it live (the
// generationUpdated subscription). The flow owns this port; src/db (PostgreSQL LISTEN/NOTIFY) or Redis implements
// it so that a subscriber on any process hears a generation running on any other.
//
// Implementations must not throw into the flow and must not make it wait on a slow watcher: an announcement that
// cannot be delivered is dropped (a watcher re-reads the stored generation, which is the truth).

/** One partial image of a streaming generation: the provider's `partial_images` frames, in order. */
export interface PartialImageUpdate {
  /** Which image of the request (0-based; n > 1 streams one series per image). */
  index: number;
  /** Its place in the series, from 0. */
  partialIndex: number;
  bytes: Buffer;
}

export interface GenerationUpdates {
  /** The stored generation changed (it was opened, succeeded or failed): watchers re-read it. */
  changed(generationId: string): Promise<void>;
  /** A partial image arrived from the provider for a generation still running. */
  partialImage(generationId: string, partial: PartialImageUpdate): Promise<void>;
}

export const NO_GENERATION_UPDATES: GenerationUpdates = {
  changed: async () => undefined,
  partialImage: async () => undefined,
};
