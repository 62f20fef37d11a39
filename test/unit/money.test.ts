import {
  divideRoundingUp,
  formatMoney,
  MONEY_INPUT_MAX_MICROS,
  MoneyFormatError,
  MoneyRangeError,
  parseMoney,
} from "../../src/domain/money";

describe("parseMoney", () => {
  it.each([
    ["0", 0n],
    ["12", 12_000_000n],
    ["0.04", 40_000n],
    ["0.040000", 40_000n],
    ["0.000001", 1n],
    ["-1.5", -1_500_000n],
    ["1000000000", 1_000_000_000_000_000n],
    ["-1000000000.000000", -1_000_000_000_000_000n],
    ["0000000000000000000001.5", 1_500_000n],
  ])("parses %s", (input, micros) => {
    expect(parseMoney(input)).toBe(micros);
  });

  it.each(["", "abc", "1.0000001", "1e3", "+1", "1.", ".5", "1,5", "0x10", "NaN", "Infinity", "1 000", "--1"])(
    "rejects %j",
    (input) => {
      expect(() => parseMoney(input)).toThrow(MoneyFormatError);
    },
  );

  it.each([
    ["1000000000.000001", "1000000000.000001"],
    ["-1000000000.000001", "-1000000000.000001"],
    ["999999999999999", "999999999999999"],
    ["9223372036854.775808", "9223372036854.775808"],
    ["100,000 digits", "1".repeat(100_000)],
  ])("rejects %s, beyond the maximum either side of zero, saying what the maximum is", (_, input) => {
    expect(() => parseMoney(input)).toThrow(MoneyRangeError);
    expect(() => parseMoney(input)).toThrow(MoneyFormatError);
    expect(() => parseMoney(input)).toThrow("exceeds the maximum of 1000000000.000000 US dollars");
  });
});

describe("formatMoney", () => {
  it.each([
    [0n, "0.000000"],
    [40_000n, "0.040000"],
    [1n, "0.000001"],
    [-1_500_000n, "-1.500000"],
    [123_456_789n, "123.456789"],
    [2n ** 63n - 1n, "9223372036854.775807"],
  ])("formats %s", (micros, text) => {
    expect(formatMoney(micros)).toBe(text);
  });

  it("round-trips every amount it formats", () => {
    for (const micros of [0n, 1n, 999_999n, 1_000_000n, -7n, MONEY_INPUT_MAX_MICROS, -MONEY_INPUT_MAX_MICROS]) {
      expect(parseMoney(formatMoney(micros))).toBe(micros);
    }
  });
});

describe("divideRoundingUp", () => {
  it("rounds a remainder up and an exact quotient not at all", () => {
    expect(divideRoundingUp(10n, 5n)).toBe(2n);
    expect(divideRoundingUp(11n, 5n)).toBe(3n);
    expect(divideRoundingUp(0n, 5n)).toBe(0n);
  });
});
