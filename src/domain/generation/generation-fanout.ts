import { describeError, type Logger } from "../logger";
import type { GenerationFeed, GenerationSignal } from "./generation-feed";
import type { PartialImageUpdate } from "./generation-updates";

/** Partial images of one generation being fetched or waiting to be: past this, newer ones are dropped. */
const MAX_QUEUED_PER_GENERATION = 8;

type Listener = (signal: GenerationSignal) => void;

interface Watched {
  listeners: Set<Listener>;
  /** The last delivery of this generation's signals: each waits for the one before, so order is kept. */
  tail: Promise<void>;
  queued: number;
}

/**
 * One process's watchers, by generation: a transport (PostgreSQL LISTEN, Redis) hands every announcement it hears
 * to `changed` or `partial`, and only the generations watched here cost anything (a partial image's bytes are
 * fetched once, for all of its watchers, and only if it has some). Announcements are delivered per generation in
 * the order heard, though fetching a partial image takes time.
 */
export class GenerationFanout implements GenerationFeed {
  private readonly watched = new Map<string, Watched>();

  constructor(private readonly logger: Logger) {}

  watch(generationId: string, listener: Listener): () => void {
    let entry = this.watched.get(generationId);
    if (entry === undefined) {
      entry = { listeners: new Set(), tail: Promise.resolve(), queued: 0 };
      this.watched.set(generationId, entry);
    }
    entry.listeners.add(listener);
    return () => {
      const current = this.watched.get(generationId);
      current?.listeners.delete(listener);
      if (current?.listeners.size === 0) this.watched.delete(generationId);
    };
  }

  /** The ids watched in this process now. */
  watchedIds(): string[] {
    return [...this.watched.keys()];
  }

  /** The generation changed: its watchers re-read it. */
  changed(generationId: string): void {
    const entry = this.watched.get(generationId);
    if (entry === undefined) return;
    entry.tail = entry.tail.then(() => this.deliver(generationId, { kind: "changed" }));
  }

  /** A partial image was announced; `fetch` reads its bytes (null when they are gone), only if it is watched here. */
  partial(generationId: string, fetch: () => Promise<PartialImageUpdate | null>): void {
    const entry = this.watched.get(generationId);
    if (entry === undefined) return;
    if (entry.queued >= MAX_QUEUED_PER_GENERATION) {
      this.logger.warn({ generationId }, "partial image dropped: its watchers are behind");
      return;
    }
    entry.queued++;
    const fetched = fetch().catch((error: unknown) => {
      this.logger.warn({ generationId, cause: describeError(error) }, "partial image could not be read; dropped");
      return null;
    });
    entry.tail = entry.tail.then(async () => {
      const partial = await fetched;
      entry.queued--;
      if (partial !== null) this.deliver(generationId, { kind: "partial", partial });
    });
  }

  /** Announcements may have been missed (the transport reconnected): every watcher re-reads its generation. */
  resync(): void {
    for (const generationId of this.watched.keys()) this.changed(generationId);
  }

  private deliver(generationId: string, signal: GenerationSignal): void {
    for (const listener of this.watched.get(generationId)?.listeners ?? []) listener(signal);
  }
}
