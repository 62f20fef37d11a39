import { DEFAULT_RETRY_POLICY, retryDelayMs } from "../../src/domain/budgets/alert-delivery";

describe("budget alert retry delays", () => {
  const policy = { baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 10 };

  it("double with each failure, from half to all of each step", () => {
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map((failures) => retryDelayMs(failures, policy, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
  });

  it("never pass the cap, however many failures", () => {
    for (const failures of [7, 8, 20, 1_000]) {
      expect(retryDelayMs(failures, policy, () => 1)).toBe(60_000);
      expect(retryDelayMs(failures, policy, () => 0)).toBe(30_000);
    }
  });

  it("spread alerts that failed together", () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(3, policy)));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(2_000);
  });

  it("by default, retry for hours before giving up", () => {
    let totalMs = 0;
    for (let failures = 1; failures < DEFAULT_RETRY_POLICY.maxAttempts; failures++) {
      totalMs += retryDelayMs(failures, DEFAULT_RETRY_POLICY, () => 0);
    }
    expect(totalMs).toBeGreaterThan(3 * 3_600_000);
  });
});
