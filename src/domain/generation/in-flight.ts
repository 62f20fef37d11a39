import { DomainError } from "../errors";

/**
 * What a shutdown needs to know about the generations of this process: every call in progress (from its first line,
 * before its hold: what a drain waits for) and the ids of those holding credit (what an interrupt releases). Once
 * draining, new calls are refused before anything is held.
 */
export class InFlight {
  private readonly calls = new Set<Promise<unknown>>();
  private readonly holds = new Set<string>();
  private draining = false;
  private backgroundRuns = 0;

  /** Throws SERVICE_UNAVAILABLE once draining: a request that reaches us after the signal holds nothing. */
  refuseIfDraining(): void {
    if (this.draining) {
      throw new DomainError("SERVICE_UNAVAILABLE", "This server is shutting down; nothing was held. Try again");
    }
  }

  /** Counts `call` in progress until it settles; answers it unchanged. */
  track<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    const forget = () => this.calls.delete(call);
    call.then(forget, forget);
    return call;
  }

  /** Counts generation `id` as holding credit while `work` runs. */
  async holding<T>(id: string, work: () => Promise<T>): Promise<T> {
    this.holds.add(id);
    try {
      return await work();
    } finally {
      this.holds.delete(id);
    }
  }

  /**
   * A place for one started run, taken at once (so that starts arriving together cannot all pass a check first), or
   * SERVICE_UNAVAILABLE when all `max` are taken. The answer gives the place back; calling it again does nothing.
   */
  reserveBackgroundRun(max: number): () => void {
    if (this.backgroundRuns >= max) {
      throw new DomainError(
        "SERVICE_UNAVAILABLE",
        `This server is running its most started generations (${max}); nothing was held. Try again shortly`,
      );
    }
    this.backgroundRuns++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.backgroundRuns--;
    };
  }

  get backgroundRunCount(): number {
    return this.backgroundRuns;
  }

  get holdCount(): number {
    return this.holds.size;
  }

  get holdIds(): string[] {
    return [...this.holds];
  }

  /**
   * Refuses new calls from now on, then waits until every call in progress has finished or `deadlineMs` passes;
   * answers how many are unfinished, and the ids of those of them that hold credit.
   */
  async drain(deadlineMs: number): Promise<{ unfinished: number; holding: string[] }> {
    this.draining = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.allSettled([...this.calls]), deadline]);
    clearTimeout(timer);
    return { unfinished: this.calls.size, holding: this.holdIds };
  }
}
