import { planSegments } from "../../src/domain/reports/spend-sources";

const days = (first: string, end: string) => ({ first, end });

describe("planSegments", () => {
  it("reads groupings by day and model (or nothing) from the shards alone", () => {
    expect(planSegments(["DAY", "MODEL"], days("2024-01-10", "2025-01-10"))).toEqual([
      { source: "shards", first: "2024-01-10", end: "2025-01-10" },
    ]);
    expect(planSegments([], days("2024-01-10", "2024-01-11"))).toEqual([
      { source: "shards", first: "2024-01-10", end: "2024-01-11" },
    ]);
  });

  it("reads whole months of users, teams and models from the monthly rollup, the days around them daily", () => {
    expect(planSegments(["USER", "MODEL"], days("2024-01-10", "2024-04-03"))).toEqual([
      { source: "daily", first: "2024-01-10", end: "2024-02-01" },
      { source: "monthly", first: "2024-02-01", end: "2024-04-01" },
      { source: "daily", first: "2024-04-01", end: "2024-04-03" },
    ]);
    expect(planSegments(["TEAM"], days("2024-12-01", "2025-01-01"))).toEqual([
      { source: "monthly", first: "2024-12-01", end: "2025-01-01" },
    ]);
    expect(planSegments(["USER"], days("2024-11-02", "2025-01-01"))).toEqual([
      { source: "daily", first: "2024-11-02", end: "2024-12-01" },
      { source: "monthly", first: "2024-12-01", end: "2025-01-01" },
    ]);
  });

  it("reads spend_daily when no whole month fits, or the grouping needs size, quality or users by day", () => {
    expect(planSegments(["USER"], days("2024-01-02", "2024-02-01"))).toEqual([
      { source: "daily", first: "2024-01-02", end: "2024-02-01" },
    ]);
    expect(planSegments(["USER", "DAY"], days("2024-01-01", "2025-01-01"))).toEqual([
      { source: "daily", first: "2024-01-01", end: "2025-01-01" },
    ]);
    expect(planSegments(["SIZE"], days("2024-01-01", "2025-01-01"))).toEqual([
      { source: "daily", first: "2024-01-01", end: "2025-01-01" },
    ]);
  });

  it("has nothing to read without whole days", () => {
    expect(planSegments(["USER"], null)).toEqual([]);
  });
});
