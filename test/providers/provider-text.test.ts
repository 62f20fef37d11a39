import { identifierOf, storableText } from "../../src/providers/provider-text";

describe("storableText", () => {
  it.each([
    ["a\u0000b", "ab"],
    ["lone high \ud800 and low \udc00 surrogates", "lone high  and low  surrogates"],
    ["a pair stays: \ud83d\ude00", "a pair stays: \ud83d\ude00"],
    ["reversed pair \udc00\ud800 goes", "reversed pair  goes"],
    ["\u0000\ud800", undefined],
    ["", undefined],
  ])("keeps %j as %j", (value, expected) => {
    expect(storableText(value, 100)).toBe(expected);
  });

  it("cuts at the limit without splitting a surrogate pair, and takes only strings", () => {
    expect(storableText("abcdef", 4)).toBe("abcd");
    expect(storableText("abc\ud83d\ude00", 4)).toBe("abc");
    expect(storableText("ab\ud83d\ude00", 4)).toBe("ab\ud83d\ude00");
    expect(storableText(42, 4)).toBeUndefined();
    expect(storableText(null, 4)).toBeUndefined();
  });
});

describe("identifierOf", () => {
  const secret = "sk-live-Zq8Wm3Xr7Tn2Kp5V";

  it.each([
    ["content_policy_violation", "content_policy_violation"],
    ["req_0123456789abcdef", "req_0123456789abcdef"],
    ["invalid_sdxl_v1_dimensions", "invalid_sdxl_v1_dimensions"],
    ["v1.2:x-y", "v1.2:x-y"],
    ["a".repeat(64), "a".repeat(64)],
    ["a".repeat(65), undefined],
    ["two words", undefined],
    ["code\u001b[2J", undefined],
    ["line\nbreak", undefined],
    ["_leading", undefined],
    ["", undefined],
    [secret, undefined],
    ["key_Zq8Wm3Xr7T", undefined],
    [7, undefined],
  ])("keeps %j as %j", (value, expected) => {
    expect(identifierOf(value, secret)).toBe(expected);
  });
});
