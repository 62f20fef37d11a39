import { divideRoundingUp, formatMoney, MoneyFormatError, parseMoney } from "../../src/domain/money";

describe("parseMoney", () => {
  it.each([
    ["0", 0n],
    ["12", 12_000_000n],
    ["0.04", 40_000n],
    ["0.040000", 40_000n],
    ["0.000001", 1n],
    ["-1.5", -1_500_000n],
    ["999999999999999.999999", 999_999_999_999_999_999_999n],
  ])("parses %s", (input, micros) => {
    expect(parseMoney(input)).toBe(micros);
  });

  it.each(["", "abc", "1.0000001", "1e3", "+1", "1.", ".5", "1,5", "0x10", "NaN", "Infinity", "1 000", "--1"])(
    "rejects %j",
    (input) => {
      expect(() => parseMoney(input)).toThrow(MoneyFormatError);
    },
  );
});

describe("formatMoney", () => {
  it.each([
    [0n, "0.000000"],
    [40_000n, "0.040000"],
    [1n, "0.000001"],
    [-1_500_000n, "-1.500000"],
    [123_456_789n, "123.456789"],
  ])("formats %s", (micros, text) => {
    expect(formatMoney(micros)).toBe(text);
  });

  it("round-trips every amount it formats", () => {
    for (const micros of [0n, 1n, 999_999n, 1_000_000n, -7n, 10n ** 18n + 3n]) {
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
