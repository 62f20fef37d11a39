import { SPEND_DIMENSIONS } from "../../src/domain/reports/spend-dimension";
import { GenerateImageDocument, SpendReportDocument } from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf } from "../support/graphql-client";
import { insertCharge, ledgerSpendEntries, ledgerTotals } from "../support/spend-fixtures";
import { allGroupings, comparableRows, expectedRows, micros, parseCsv } from "../support/spend-report-checks";

// A deployment in New York (TIME_ZONE): report days are New York's calendar days, 23 or 25 hours long when the
// clocks change, whether they come from the daily aggregates or, at a range's edges, from the ledger.

const ZONE = "America/New_York";
let env: TestEnvironment;
let finance: { userId: string; apiKey: string };

const at = (iso: string) => new Date(iso);
const d2 = { model: "DALL_E_2", size: "SIZE_256X256", quality: "STANDARD", n: 1, costMicros: 16_000n } as const;

beforeAll(async () => {
  env = await startEnvironment({ TIME_ZONE: ZONE });
  finance = await env.server.createUser("FINANCE");
  const user = await env.server.createUser("MEMBER", "10");
  const charge = (iso: string, costMicros: bigint) =>
    insertCharge(env.server.db, { ...d2, userId: user.userId, at: at(iso), costMicros }, ZONE);
  await charge("2024-03-05T03:00:00Z", 1n); // 22:00 on the 4th in New York (EST, UTC-5)
  await charge("2024-03-05T05:00:00Z", 2n); // midnight of the 5th
  await charge("2024-03-10T06:30:00Z", 4n); // 01:30 EST on the 10th, before the clocks go forward
  await charge("2024-03-11T03:30:00Z", 8n); // 23:30 EDT (UTC-4), still the 10th
  await charge("2024-03-11T04:30:00Z", 16n); // 00:30 EDT on the 11th
  dataOf(
    await env.server.graphql(GenerateImageDocument, { input: { prompt: "a harbour", model: "DALL_E_2" } }, user.apiKey),
  );
});
afterAll(() => env.close());

async function report(from: string, to: string, groupBy: (typeof SPEND_DIMENSIONS)[number][]) {
  return dataOf(await env.server.graphql(SpendReportDocument, { from, to, groupBy }, finance.apiKey)).spendReport;
}

describe("DAY in a time zone other than UTC", () => {
  it("puts a charge at 03:00 UTC on the previous day, and cuts days at New York's midnight across DST", async () => {
    // Whole New York days: from midnight on the 4th (05:00Z) to midnight on the 12th (04:00Z, daylight time).
    const result = await report("2024-03-04T05:00:00Z", "2024-03-12T04:00:00Z", ["DAY"]);
    expect(result.rows.map((row) => [row.day, row.cost])).toEqual([
      ["2024-03-04T05:00:00.000Z", "0.000001"],
      ["2024-03-05T05:00:00.000Z", "0.000002"],
      ["2024-03-10T05:00:00.000Z", "0.000012"],
      ["2024-03-11T04:00:00.000Z", "0.000016"],
    ]);
  });

  it("gives the same days when the range starts and ends mid-day, from the ledger at the edges", async () => {
    // From 00:00Z on the 5th (19:00 on the 4th in New York) to 04:00Z on the 11th (midnight there).
    const result = await report("2024-03-05T00:00:00Z", "2024-03-11T04:00:00Z", ["DAY"]);
    expect(result.rows.map((row) => [row.day, row.cost])).toEqual([
      ["2024-03-04T05:00:00.000Z", "0.000001"],
      ["2024-03-05T05:00:00.000Z", "0.000002"],
      ["2024-03-10T05:00:00.000Z", "0.000012"],
    ]);
    const edge = await report("2024-03-11T03:00:00Z", "2024-03-11T05:00:00Z", ["DAY"]);
    expect(edge.rows.map((row) => [row.day, row.cost])).toEqual([
      ["2024-03-10T05:00:00.000Z", "0.000008"],
      ["2024-03-11T04:00:00.000Z", "0.000016"],
    ]);
  });

  it("agrees with the ledger for every grouping, today's API charge included", async () => {
    const from = at("2024-03-01T12:34:56Z");
    const to = new Date(Date.now() + 60_000);
    const [ledger, entries] = await Promise.all([
      ledgerTotals(env.server.db, from, to),
      ledgerSpendEntries(env.server.db, from, to, ZONE),
    ]);
    expect(entries).toHaveLength(6);
    for (const groupBy of allGroupings(SPEND_DIMENSIONS)) {
      const result = await report(from.toISOString(), to.toISOString(), groupBy);
      expect(micros(result.total)).toBe(ledger.costMicros);
      expect({ groupBy, rows: comparableRows(result.rows, groupBy) }).toEqual({
        groupBy,
        rows: expectedRows(entries, groupBy),
      });
    }
  });

  it("writes the same days into the CSV", async () => {
    const response = await fetch(
      `${env.server.url}/reports/spend.csv?from=2024-03-04T05:00:00Z&to=2024-03-12T04:00:00Z&groupBy=DAY`,
      { headers: { authorization: `Bearer ${finance.apiKey}` } },
    );
    expect(parseCsv(await response.text())).toEqual([
      ["day", "requests", "images", "cost_usd"],
      ["2024-03-04T05:00:00.000Z", "1", "1", "0.000001"],
      ["2024-03-05T05:00:00.000Z", "1", "1", "0.000002"],
      ["2024-03-10T05:00:00.000Z", "2", "2", "0.000012"],
      ["2024-03-11T04:00:00.000Z", "1", "1", "0.000016"],
    ]);
  });
});
