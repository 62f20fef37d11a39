import type { Principal } from "../accounts/principal";
import type { Db } from "../db";
import { notFound } from "../errors";
import type { GenerationFeed, GenerationSignal } from "./generation-feed";
import type { GenerationRecord } from "./generation-record";
import type { PartialImageUpdate } from "./generation-updates";
import { findGeneration, WITH_IMAGES } from "./generation.queries";

/** What a live watcher is sent: the generation as stored, and with it a partial image when one arrived. */
export interface GenerationWatchEvent {
  generation: GenerationRecord;
  partialImage: PartialImageUpdate | null;
}

/**
 * Partial images waiting for a slow watcher (a socket is sent one event at a time, each once the last was written):
 * past this many, the oldest is dropped. A change is never dropped: it is a flag, moved behind the partial images
 * heard before it, and the re-read it causes shows the latest state.
 */
const MAX_PENDING_PARTIALS = 4;

export const isFinal = (generation: GenerationRecord): boolean => generation.status !== "PENDING";

/**
 * Watches one generation its caller may read (its owner, or FINANCE and ADMIN): first the stored state, then one
 * event per change heard (re-read from the database) and per partial image, ending after the final state (SUCCEEDED
 * or FAILED), at once if it is final already. Another user's generation, or none, is NOT_FOUND, as generation(id)
 * answers null for it. Listening starts before the first read, so no change falls between the two.
 */
export async function watchGeneration(args: {
  db: Db;
  feed: GenerationFeed;
  principal: Principal;
  generationId: string;
}): Promise<AsyncIterableIterator<GenerationWatchEvent>> {
  const watch = new GenerationWatch(args.db, args.generationId);
  watch.listen(args.feed);
  try {
    const first = await findGeneration(args.db, args.principal, args.generationId);
    if (first === null) throw notFound("Generation");
    watch.begin(first);
    return watch;
  } catch (error) {
    await watch.return();
    throw error;
  }
}

type Pending = { kind: "changed" } | { kind: "partial"; partial: PartialImageUpdate };

/**
 * An iterator rather than an async generator: a generator waiting for the next signal could not be ended until one
 * came, and a closed socket must end its subscriptions at once.
 */
class GenerationWatch implements AsyncIterableIterator<GenerationWatchEvent> {
  private unwatch: () => void = () => undefined;
  private readonly pending: Pending[] = [];
  private initial: GenerationRecord | undefined;
  private last: GenerationRecord | undefined;
  /** Per image of the request, the last partial sent or queued: an older one arriving late is stale. */
  private readonly lastPartialIndex = new Map<number, number>();
  private ended = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    private readonly generationId: string,
  ) {}

  listen(feed: GenerationFeed): void {
    this.unwatch = feed.watch(this.generationId, (signal) => this.hear(signal));
  }

  begin(first: GenerationRecord): void {
    this.initial = first;
    this.last = first;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<GenerationWatchEvent> {
    return this;
  }

  async next(): Promise<IteratorResult<GenerationWatchEvent>> {
    const initial = this.initial;
    if (initial !== undefined) {
      this.initial = undefined;
      if (isFinal(initial)) this.end();
      return { done: false, value: { generation: initial, partialImage: null } };
    }
    while (!this.ended) {
      const item = this.pending.shift();
      if (item === undefined) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      const event = item.kind === "partial" ? this.partialEvent(item.partial) : await this.reread();
      // Ended meanwhile: the watcher left while the generation was being read.
      if (event === undefined || this.ended) continue;
      if (event.partialImage === null && isFinal(event.generation)) this.end();
      return { done: false, value: event };
    }
    return { done: true, value: undefined };
  }

  async return(): Promise<IteratorResult<GenerationWatchEvent>> {
    this.end();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<GenerationWatchEvent>> {
    this.end();
    throw error;
  }

  private hear(signal: GenerationSignal): void {
    if (this.ended) return;
    if (signal.kind === "changed") {
      this.remove((item) => item.kind === "changed");
      this.pending.push({ kind: "changed" });
    } else {
      const { index, partialIndex } = signal.partial;
      if ((this.lastPartialIndex.get(index) ?? -1) >= partialIndex) return;
      this.lastPartialIndex.set(index, partialIndex);
      if (this.pending.filter((item) => item.kind === "partial").length >= MAX_PENDING_PARTIALS) {
        this.remove((item) => item.kind === "partial", true);
      }
      this.pending.push({ kind: "partial", partial: signal.partial });
    }
    this.wake?.();
    this.wake = undefined;
  }

  private remove(matches: (item: Pending) => boolean, firstOnly = false): void {
    for (let i = 0; i < this.pending.length; i++) {
      if (!matches(this.pending[i]!)) continue;
      this.pending.splice(i--, 1);
      if (firstOnly) return;
    }
  }

  private partialEvent(partial: PartialImageUpdate): GenerationWatchEvent | undefined {
    const last = this.last;
    // A partial image that arrives after the final state is of no use any more.
    return last === undefined || isFinal(last) ? undefined : { generation: last, partialImage: partial };
  }

  /** The stored generation, when it differs from what was sent last (a change may be heard twice). */
  private async reread(): Promise<GenerationWatchEvent | undefined> {
    const generation = await this.db.imageGeneration.findUnique({
      where: { id: this.generationId },
      include: WITH_IMAGES,
    });
    if (generation === null || (this.last !== undefined && sameState(generation, this.last))) return undefined;
    this.last = generation;
    return { generation, partialImage: null };
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending.length = 0;
    this.unwatch();
    this.wake?.();
    this.wake = undefined;
  }
}

function sameState(a: GenerationRecord, b: GenerationRecord): boolean {
  return (
    a.status === b.status &&
    a.errorCode === b.errorCode &&
    a.costMicros === b.costMicros &&
    a.images.length === b.images.length &&
    a.completedAt?.getTime() === b.completedAt?.getTime()
  );
}
