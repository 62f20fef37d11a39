/**
 * Runs each key's tasks one after another, in the order given, and different keys' side by side: a generation's
 * announcements must reach watchers in order (a partial image before the final state), though they are published on
 * whichever pooled connection is free.
 */
export class InOrderPerKey {
  private readonly chains = new Map<string, { tail: Promise<void>; queued: number }>();

  /** `maxQueued`: tasks of one key waiting or running past which a droppable task is dropped. */
  constructor(private readonly maxQueued: number) {}

  /** Resolves once `task` has run (false: dropped, as too many of the key's tasks are waiting). Never rejects. */
  run(key: string, task: () => Promise<void>, droppable: boolean): Promise<boolean> {
    let chain = this.chains.get(key);
    if (chain === undefined) {
      chain = { tail: Promise.resolve(), queued: 0 };
      this.chains.set(key, chain);
    }
    if (droppable && chain.queued >= this.maxQueued) return Promise.resolve(false);
    const entry = chain;
    entry.queued++;
    const done = entry.tail.then(task).then(
      () => true,
      () => true,
    );
    entry.tail = done.then(() => {
      entry.queued--;
      if (entry.queued === 0 && this.chains.get(key) === entry) this.chains.delete(key);
    });
    return done;
  }
}
