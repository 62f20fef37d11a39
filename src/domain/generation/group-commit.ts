/**
 * Group commit. Items submitted while `maxInFlight` batches are being written wait, and go together as the next
 * batch (up to `maxBatch` items): under load many requests share one statement and one commit; alone, an item is
 * written at once, so there is no timer and no added latency. `write` answers one result per item, in order.
 * A batch that fails as a whole is written again item by item when `retryAlone(error)` says the failure may be one
 * item's (a constraint, a deadlock), so that one bad item never fails the others; otherwise (the database is away)
 * every item gets the error.
 */
export class GroupCommit<Item, Result> {
  private readonly waiting: Array<{ item: Item; resolve(result: Result): void; reject(error: unknown): void }> = [];
  private inFlight = 0;

  constructor(
    private readonly write: (items: Item[]) => Promise<Result[]>,
    private readonly options: { maxBatch: number; maxInFlight: number; retryAlone(error: unknown): boolean },
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.writeBatch(batch).finally(() => {
        this.inFlight--;
        this.startBatches();
      });
    }
  }

  private async writeBatch(batch: typeof this.waiting): Promise<void> {
    try {
      const results = await this.write(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]!));
    } catch (error) {
      if (batch.length === 1 || !this.options.retryAlone(error)) {
        for (const entry of batch) entry.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (entry) => {
          try {
            entry.resolve((await this.write([entry.item]))[0]!);
          } catch (itemError) {
            entry.reject(itemError);
          }
        }),
      );
    }
  }
}
