import { userTag, userTagger } from "../../src/providers/user-tag";

describe("userTag", () => {
  it("is stable, 32 hex characters, and does not contain the user id", () => {
    const userId = "6f1c2a9e-0d7b-4c1e-9b8a-2f3d4e5f6a7b";

    expect(userTag(userId)).toBe(userTag(userId));
    expect(userTag(userId)).toMatch(/^[0-9a-f]{32}$/);
    expect(userTag(userId)).not.toContain(userId.slice(0, 8));
  });

  it("differs per user and per secret", () => {
    expect(userTag("user-1")).not.toBe(userTag("user-2"));
    expect(userTag("user-1", "secret-a")).not.toBe(userTag("user-1", "secret-b"));
    expect(userTag("user-1", "")).toBe(userTag("user-1"));
  });

  it("is what userTagger answers, for more users than it remembers", () => {
    const tagger = userTagger("secret-a");
    const ids = Array.from({ length: 10_050 }, (_, i) => `user-${i}`);
    const expected = ids.map((id) => userTag(id, "secret-a"));
    expect(ids.map(tagger)).toEqual(expected);
    expect(ids.map(tagger)).toEqual(expected); // remembered, or forgotten and computed again
    expect(userTagger()("user-1")).toBe(userTag("user-1"));
  });
});
