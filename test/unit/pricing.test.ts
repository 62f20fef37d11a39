import { CATALOG } from "../../src/domain/catalog";
import { settledCharge, usageCostMicros, type TokenRates } from "../../src/domain/pricing/cost";

const GPT_IMAGE_1_RATES: TokenRates = {
  textInputPerMillionMicros: 5_000_000n,
  imageInputPerMillionMicros: 10_000_000n,
  imageOutputPerMillionMicros: 40_000_000n,
};

describe("pricing", () => {
  it("prices token usage exactly, rounding up to the micro-dollar", () => {
    // 50 text tokens at $5/M = 250 micros; 4160 output tokens at $40/M = 166400 micros.
    expect(usageCostMicros({ inputTextTokens: 50, inputImageTokens: 0, outputTokens: 4160 }, GPT_IMAGE_1_RATES)).toBe(
      166_650n,
    );
    // 1 text token costs 5 micros; 1 token at $2.5/M costs 2.5 micros, rounded up to 3.
    expect(
      usageCostMicros(
        { inputTextTokens: 0, inputImageTokens: 1, outputTokens: 0 },
        { ...GPT_IMAGE_1_RATES, imageInputPerMillionMicros: 2_500_000n },
      ),
    ).toBe(3n);
  });

  it("settles token-billed models from usage, never above the hold, recording what the usage cost beyond it", () => {
    const usage = { inputTextTokens: 20, inputImageTokens: 0, outputTokens: 272 };
    const args = { spec: CATALOG.GPT_IMAGE_1, usage, rates: GPT_IMAGE_1_RATES };
    expect(settledCharge({ ...args, heldMicros: 11_000n })).toEqual({ costMicros: 10_980n, shortfallMicros: 0n });
    expect(settledCharge({ ...args, heldMicros: 10_000n })).toEqual({ costMicros: 10_000n, shortfallMicros: 980n });
  });

  it("charges the hold for per-image models and when no usage is reported", () => {
    const usage = { inputTextTokens: 1, inputImageTokens: 0, outputTokens: 1 };
    expect(settledCharge({ spec: CATALOG.DALL_E_3, heldMicros: 40_000n, usage, rates: GPT_IMAGE_1_RATES })).toEqual({
      costMicros: 40_000n,
      shortfallMicros: 0n,
    });
    expect(
      settledCharge({ spec: CATALOG.GPT_IMAGE_1, heldMicros: 11_000n, usage: undefined, rates: undefined }),
    ).toEqual({ costMicros: 11_000n, shortfallMicros: 0n });
  });
});
