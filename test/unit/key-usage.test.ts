import { KeyUsageRecorder, type KeyUse } from "../../src/domain/accounts/key-usage";

// The recorder behind lastUsedAt, with its write port recording what it is asked to write: which uses are written,
// how they are batched, and that a failing write is only logged.

function recorder(fail = false) {
  const writes: KeyUse[][] = [];
  const warnings: string[] = [];
  const logger = {
    info: () => {},
    error: () => {},
    warn: (_details: object, message: string) => warnings.push(message),
  };
  const usage = new KeyUsageRecorder(async (uses) => {
    writes.push(uses);
    if (fail) throw new Error("database away");
  }, logger);
  return { usage, writes, warnings };
}

const T0 = new Date("2026-12-04T10:00:00.000Z");
const plus = (ms: number) => new Date(T0.getTime() + ms);

it("writes a key's use at most once a minute, and the uses of one tick in one write", async () => {
  const { usage, writes } = recorder();
  usage.touch("a", T0);
  usage.touch("b", T0);
  usage.touch("a", plus(1_000));
  await usage.flush();
  expect(writes).toEqual([
    [
      { apiKeyId: "a", at: T0 },
      { apiKeyId: "b", at: T0 },
    ],
  ]);
  usage.touch("a", plus(59_999));
  await usage.flush();
  expect(writes).toHaveLength(1);
  usage.touch("a", plus(60_000));
  await usage.flush();
  expect(writes[1]).toEqual([{ apiKeyId: "a", at: plus(60_000) }]);
});

it("uses noted while a write is on its way go together in the next", async () => {
  const { usage, writes } = recorder();
  usage.touch("a", T0);
  await new Promise((resolve) => setImmediate(resolve)); // the first write has started
  usage.touch("b", T0);
  usage.touch("c", T0);
  await usage.flush();
  expect(writes.map((uses) => uses.map((use) => use.apiKeyId))).toEqual([["a"], ["b", "c"]]);
});

it("a failed write is logged, never thrown, and the key is written again at its next use", async () => {
  const { usage, writes, warnings } = recorder(true);
  expect(() => usage.touch("a", T0)).not.toThrow();
  await usage.flush();
  expect(warnings).toEqual(["could not record API keys' last use"]);
  usage.touch("a", plus(1_000));
  await usage.flush();
  expect(writes).toHaveLength(2);
});
