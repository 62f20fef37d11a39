import { DomainError } from "../../src/domain/errors";
import { localDay, splitRange, validateRange } from "../../src/domain/reports/spend-range";

const at = (iso: string) => new Date(iso);

describe("splitRange", () => {
  it("reads a range of whole UTC days from the daily aggregates alone", () => {
    expect(splitRange({ from: at("2024-03-01T00:00:00Z"), to: at("2024-04-01T00:00:00Z"), timeZone: "UTC" })).toEqual({
      days: { first: "2024-03-01", end: "2024-04-01" },
      edges: [],
    });
  });

  it("reads the partial days at both edges from the ledger", () => {
    expect(splitRange({ from: at("2024-03-01T10:00:00Z"), to: at("2024-03-04T06:30:00Z"), timeZone: "UTC" })).toEqual({
      days: { first: "2024-03-02", end: "2024-03-04" },
      edges: [
        { from: at("2024-03-01T10:00:00Z"), to: at("2024-03-02T00:00:00Z") },
        { from: at("2024-03-04T00:00:00Z"), to: at("2024-03-04T06:30:00Z") },
      ],
    });
  });

  it("reads a range without a whole day (even one crossing midnight) from the ledger alone", () => {
    const range = { from: at("2024-03-01T22:00:00Z"), to: at("2024-03-02T23:00:00Z"), timeZone: "UTC" };
    expect(splitRange(range)).toEqual({ days: null, edges: [{ from: range.from, to: range.to }] });
  });

  it("cuts days at the zone's midnight, daylight saving included", () => {
    // New York: EST (UTC-5) until 2024-03-10 02:00, EDT (UTC-4) after; that day has 23 hours.
    const timeZone = "America/New_York";
    expect(splitRange({ from: at("2024-03-09T05:00:00Z"), to: at("2024-03-12T04:00:00Z"), timeZone })).toEqual({
      days: { first: "2024-03-09", end: "2024-03-12" },
      edges: [],
    });
    expect(splitRange({ from: at("2024-03-09T00:00:00Z"), to: at("2024-03-11T12:00:00Z"), timeZone })).toEqual({
      days: { first: "2024-03-09", end: "2024-03-11" },
      edges: [
        { from: at("2024-03-09T00:00:00Z"), to: at("2024-03-09T05:00:00Z") },
        { from: at("2024-03-11T04:00:00Z"), to: at("2024-03-11T12:00:00Z") },
      ],
    });
  });

  it("names the local day an instant falls on", () => {
    expect(localDay(at("2024-03-05T03:00:00Z"), "America/New_York")).toBe("2024-03-04");
    expect(localDay(at("2024-03-05T03:00:00Z"), "UTC")).toBe("2024-03-05");
    expect(localDay(at("2024-03-04T23:30:00Z"), "Asia/Kolkata")).toBe("2024-03-05");
  });
});

describe("validateRange", () => {
  const fieldOf = (run: () => void) => {
    try {
      run();
    } catch (error) {
      if (error instanceof DomainError) return { code: error.code, field: error.details.field };
      throw error;
    }
    return null;
  };

  it("wants from before to, both dates from 1970 to 9999, and any range between: all time included", () => {
    const timeZone = "UTC";
    const from = at("2024-01-01T00:00:00Z");
    expect(fieldOf(() => validateRange({ from, to: from, timeZone }))).toEqual({ code: "BAD_USER_INPUT", field: "to" });
    expect(fieldOf(() => validateRange({ from: at("nope"), to: from, timeZone }))).toMatchObject({ field: "from" });
    expect(fieldOf(() => validateRange({ from: at("0999-01-01T00:00:00Z"), to: from, timeZone }))).toMatchObject({
      field: "from",
    });
    expect(fieldOf(() => validateRange({ from, to: at("+010000-01-01T00:00:00Z"), timeZone }))).toMatchObject({
      field: "to",
    });
    const allTime = { from: at("1970-01-01T00:00:00Z"), to: at("9999-12-31T00:00:00Z") };
    expect(fieldOf(() => validateRange({ ...allTime, timeZone }))).toBeNull();
    expect(fieldOf(() => validateRange({ from, to: at("2054-01-01T00:00:00Z"), timeZone }))).toBeNull();
  });

  it.each(["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])(
    "splits all time in %s into days of four-digit years and at most two partial days",
    (timeZone) => {
      const { days, edges } = splitRange({
        from: at("1970-01-01T00:00:00Z"),
        to: at("9999-12-31T00:00:00Z"),
        timeZone,
      });
      expect(days!.first >= "1970-01-01" && days!.end <= "9999-12-31").toBe(true);
      expect(edges.length).toBeLessThanOrEqual(2);
      expect(edges.every((edge) => edge.to.getTime() - edge.from.getTime() < 86_400_000)).toBe(true);
      if (timeZone === "UTC")
        expect({ days, edges }).toEqual({ days: { first: "1970-01-01", end: "9999-12-31" }, edges: [] });
    },
  );
});
