import { GroupCommit } from "../../src/domain/generation/group-commit";

// The batching of the generation flow's writes, with a write function that records what it is given.

function recorder(fail: (items: number[]) => Error | null = () => null) {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const write = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push(items);
      releases.push(() => {
        const error = fail(items);
        if (error === null) resolve(items.map((item) => `done ${item}`));
        else reject(error);
      });
    });
  /** Completes every write started so far, then lets the next ones start. */
  const releaseAll = async () => {
    releases.splice(0).forEach((release) => release());
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { batches, write, releaseAll };
}

it("writes an item at once when nothing is in flight, and the items that arrive meanwhile together", async () => {
  const { batches, write, releaseAll } = recorder();
  const group = new GroupCommit(write, { maxBatch: 3, maxInFlight: 1, retryAlone: () => true });

  const results = [1, 2, 3, 4, 5, 6].map((item) => group.submit(item));
  expect(batches).toEqual([[1]]);
  await releaseAll();
  expect(batches).toEqual([[1], [2, 3, 4]]);
  await releaseAll();
  expect(batches).toEqual([[1], [2, 3, 4], [5, 6]]);
  await releaseAll();

  expect(await Promise.all(results)).toEqual([1, 2, 3, 4, 5, 6].map((item) => `done ${item}`));
});

it("keeps at most maxInFlight batches in flight", async () => {
  const { batches, write, releaseAll } = recorder();
  const group = new GroupCommit(write, { maxBatch: 10, maxInFlight: 2, retryAlone: () => true });

  const results = [1, 2, 3, 4].map((item) => group.submit(item));
  expect(batches).toEqual([[1], [2]]);
  await releaseAll();
  expect(batches).toEqual([[1], [2], [3, 4]]);
  await releaseAll();
  await expect(Promise.all(results)).resolves.toHaveLength(4);
});

it("writes the items of a failed batch again one by one, so that only the bad one fails", async () => {
  const { batches, write, releaseAll } = recorder((items) => (items.includes(3) ? new Error("bad item 3") : null));
  const group = new GroupCommit(write, { maxBatch: 10, maxInFlight: 1, retryAlone: () => true });

  const results = [1, 2, 3, 4].map((item) => group.submit(item).catch((error: Error) => error.message));
  await releaseAll(); // [1]
  await releaseAll(); // [2, 3, 4] fails, then [2], [3], [4]
  await releaseAll();

  expect(batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  expect(await Promise.all(results)).toEqual(["done 1", "done 2", "bad item 3", "done 4"]);
});

it("fails every item of the batch when the failure is not an item's (the database is away)", async () => {
  const { batches, write, releaseAll } = recorder((items) => (items.length > 1 ? new Error("database away") : null));
  const group = new GroupCommit(write, { maxBatch: 10, maxInFlight: 1, retryAlone: () => false });

  const results = [1, 2, 3].map((item) => group.submit(item).catch((error: Error) => error.message));
  await releaseAll();
  await releaseAll();

  expect(batches).toEqual([[1], [2, 3]]);
  expect(await Promise.all(results)).toEqual(["done 1", "database away", "database away"]);
});
