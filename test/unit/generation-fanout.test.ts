import pino from "pino";
import { GenerationFanout } from "../../src/domain/generation/generation-fanout";
import type { GenerationSignal } from "../../src/domain/generation/generation-feed";
import type { PartialImageUpdate } from "../../src/domain/generation/generation-updates";

const ID = "6f1c0b2e-0000-4000-8000-000000000001";
const image = (partialIndex: number): PartialImageUpdate => ({ index: 0, partialIndex, bytes: Buffer.from([1]) });

function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

it("delivers a generation's announcements in the order heard, though a later partial image was read first", async () => {
  const fanout = new GenerationFanout(pino({ level: "silent" }));
  const heard: GenerationSignal[] = [];
  fanout.watch(ID, (signal) => heard.push(signal));
  const first = deferred<PartialImageUpdate | null>();
  const second = deferred<PartialImageUpdate | null>();
  fanout.partial(ID, () => first.promise);
  fanout.partial(ID, () => second.promise);
  fanout.changed(ID);
  second.resolve(image(1));
  await new Promise((resolve) => setImmediate(resolve));
  expect(heard).toEqual([]);
  first.resolve(image(0));
  await new Promise((resolve) => setImmediate(resolve));
  expect(heard).toEqual([
    { kind: "partial", partial: image(0) },
    { kind: "partial", partial: image(1) },
    { kind: "changed" },
  ]);
});

it("reads nothing for a generation nobody here watches, and stops after the last watcher leaves", async () => {
  const fanout = new GenerationFanout(pino({ level: "silent" }));
  let reads = 0;
  const read = async () => {
    reads++;
    return image(0);
  };
  fanout.partial(ID, read);
  const heard: GenerationSignal[] = [];
  const stop = fanout.watch(ID, (signal) => heard.push(signal));
  fanout.partial(ID, read);
  await new Promise((resolve) => setImmediate(resolve));
  stop();
  fanout.partial(ID, read);
  fanout.changed(ID);
  await new Promise((resolve) => setImmediate(resolve));
  expect({ reads, heard: heard.length, watched: fanout.watchedIds() }).toEqual({ reads: 1, heard: 1, watched: [] });
});

it("past 8 partial images of one generation waiting to be read, newer ones are dropped; changes never", async () => {
  const fanout = new GenerationFanout(pino({ level: "silent" }));
  const heard: GenerationSignal[] = [];
  fanout.watch(ID, (signal) => heard.push(signal));
  const gate = deferred<void>();
  let reads = 0;
  for (let i = 0; i < 10; i++) {
    fanout.partial(ID, async () => {
      reads++;
      await gate.promise;
      return image(i);
    });
  }
  fanout.changed(ID);
  gate.resolve();
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(reads).toBe(8);
  expect(heard.map((signal) => (signal.kind === "partial" ? signal.partial.partialIndex : signal.kind))).toEqual([
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    "changed",
  ]);
});
