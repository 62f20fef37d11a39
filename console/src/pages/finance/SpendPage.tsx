import { useState } from "react";
import { downloadSpendCsv, SpendReportDocument, type SpendDimension } from "../../api/client";
import { sumMoney, toNumber } from "../../api/money";
import { BarChart } from "../../components/charts";
import { ErrorNote, Field, Loading, Usd } from "../../components/ui";
import { messageOf, useQuery } from "../../app/hooks";
import { dayOfRow, daysOf, lastDays, toInstants, type DayRange } from "./range";

/** What spend can be broken down by here (SIZE and QUALITY are in the CSV's API, not asked for on screen). */
const BREAKDOWNS: { dimension: SpendDimension; label: string }[] = [
  { dimension: "TEAM", label: "Team" },
  { dimension: "MODEL", label: "Model" },
  { dimension: "USER", label: "User" },
  { dimension: "API_KEY", label: "API key" },
  { dimension: "TAG", label: "Tag" },
];

export function SpendPage() {
  const [draft, setDraft] = useState<DayRange>(() => lastDays(30));
  const [range, setRange] = useState<DayRange>(draft);
  const [dimension, setDimension] = useState<SpendDimension>("TEAM");
  const instants = toInstants(range);
  const byDay = useQuery(SpendReportDocument, { ...instants, groupBy: ["DAY"] });
  const breakdown = useQuery(SpendReportDocument, { ...instants, groupBy: [dimension] });
  const [csvError, setCsvError] = useState<string>();
  const fieldErrors = byDay.error?.byField() ?? {};

  return (
    <>
      <form
        className="card range"
        aria-label="Range"
        onSubmit={(event) => {
          event.preventDefault();
          setRange(draft);
        }}
      >
        <Field label="From" error={fieldErrors.from}>
          {(id) => (
            <input
              id={id}
              name="from"
              type="date"
              value={draft.from}
              onChange={(e) => setDraft({ ...draft, from: e.target.value })}
            />
          )}
        </Field>
        <Field label="To (inclusive)" error={fieldErrors.to}>
          {(id) => (
            <input
              id={id}
              name="to"
              type="date"
              value={draft.to}
              onChange={(e) => setDraft({ ...draft, to: e.target.value })}
            />
          )}
        </Field>
        <button type="submit">Show</button>
        {[7, 30, 90].map((days) => (
          <button
            key={days}
            type="button"
            className="secondary"
            onClick={() => {
              const next = lastDays(days);
              setDraft(next);
              setRange(next);
            }}
          >
            Last {days} days
          </button>
        ))}
      </form>
      {fieldErrors[""] === undefined ? null : <p className="error">{fieldErrors[""]}</p>}

      <section className="card">
        <div className="card-head">
          <h2>Spend per day</h2>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setCsvError(undefined);
              downloadSpendCsv(instants, ["DAY"]).catch((error: unknown) => setCsvError(messageOf(error)));
            }}
          >
            Download CSV (per day)
          </button>
        </div>
        {csvError === undefined ? null : <p className="error">{csvError}</p>}
        <Loading when={byDay.loading} />
        {byDay.data === undefined ? null : <DaySeries range={range} rows={byDay.data.spendReport.rows} />}
      </section>

      <section className="card">
        <div className="card-head">
          <h2>Spend by</h2>
          <select
            aria-label="Spend by"
            name="dimension"
            value={dimension}
            onChange={(e) => setDimension(e.target.value as SpendDimension)}
          >
            {BREAKDOWNS.map((item) => (
              <option key={item.dimension} value={item.dimension}>
                {item.label}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setCsvError(undefined);
              downloadSpendCsv(instants, [dimension]).catch((error: unknown) => setCsvError(messageOf(error)));
            }}
          >
            Download CSV (by {labelOf(dimension).toLowerCase()})
          </button>
        </div>
        <ErrorNote error={breakdown.error} />
        <Loading when={breakdown.loading} />
        {breakdown.data === undefined || !breakdown.current ? null : (
          <Breakdown dimension={dimension} report={breakdown.data.spendReport} />
        )}
      </section>
    </>
  );
}

type DayRow = { day?: string | null; cost: string; requests: number; images: number };

function DaySeries({ range, rows }: { range: DayRange; rows: DayRow[] }) {
  const byDate = new Map(rows.map((row) => [dayOfRow(row.day ?? ""), row]));
  const days = daysOf(range);
  // Days outside the pickers' days (a zone far from UTC) still count, at the end: the totals must add up.
  const extra = [...byDate.keys()].filter((day) => !days.includes(day)).sort();
  const labels = [...days, ...extra];
  const costs = labels.map((day) => byDate.get(day)?.cost ?? "0.000000");
  const total = sumMoney(costs);
  const requests = labels.reduce((sum, day) => sum + (byDate.get(day)?.requests ?? 0), 0);
  const images = labels.reduce((sum, day) => sum + (byDate.get(day)?.images ?? 0), 0);
  return (
    <>
      <p className="totals" data-testid="day-series-total" data-total={total} data-requests={requests}>
        Total{" "}
        <strong>
          <Usd value={total} />
        </strong>{" "}
        · {requests} requests · {images} images
      </p>
      <BarChart name="spend-per-day" series={{ label: "Spend per day", labels, values: costs.map(toNumber) }} />
      <details>
        <summary>As a table</summary>
        <table data-testid="day-series-table">
          <thead>
            <tr>
              <th>Day</th>
              <th>Requests</th>
              <th>Images</th>
              <th>Spend</th>
            </tr>
          </thead>
          <tbody>
            {labels.map((day, index) => (
              <tr key={day}>
                <td>{day}</td>
                <td>{byDate.get(day)?.requests ?? 0}</td>
                <td>{byDate.get(day)?.images ?? 0}</td>
                <td data-money={costs[index]}>
                  <Usd value={costs[index]} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}

interface BreakdownRow {
  user?: { id: string; email: string } | null;
  team?: { id: string; name: string } | null;
  model?: string | null;
  apiKeyId?: string | null;
  apiKey?: { id: string; name: string; prefix: string } | null;
  tag?: string | null;
  cost: string;
  requests: number;
  images: number;
}

function labelOf(dimension: SpendDimension): string {
  return BREAKDOWNS.find((item) => item.dimension === dimension)?.label ?? dimension;
}

/** A row's name; a null one is the API's "none" for that dimension (no team, no tag, spend before keys were kept). */
function nameOf(dimension: SpendDimension, row: BreakdownRow): string {
  switch (dimension) {
    case "TEAM":
      return row.team?.name ?? "(no team)";
    case "USER":
      return row.user?.email ?? "(unknown user)";
    case "API_KEY":
      if (row.apiKey) return `${row.apiKey.name} (${row.apiKey.prefix}…)`;
      return row.apiKeyId ?? "(no key recorded)";
    case "TAG":
      return row.tag ?? "(untagged)";
    default:
      return row.model ?? "";
  }
}

const CHART_ROWS_MAX = 15;

function Breakdown({
  dimension,
  report,
}: {
  dimension: SpendDimension;
  report: { total: string; rows: BreakdownRow[] };
}) {
  const top = report.rows.slice(0, CHART_ROWS_MAX);
  return (
    <>
      <p className="totals" data-testid="breakdown-total">
        Total <Usd value={report.total} /> across {report.rows.length} {report.rows.length === 1 ? "row" : "rows"}
        {report.rows.length > CHART_ROWS_MAX ? ` (the chart shows the top ${CHART_ROWS_MAX})` : ""}
        {/* A generation with several tags counts toward each: the rows may add up to more than the spend. */}
        {dimension === "TAG" ? " · a generation counts toward each of its tags" : ""}
      </p>
      <BarChart
        name={`spend-by-${dimension.toLowerCase()}`}
        horizontal
        height={Math.max(160, top.length * 28)}
        series={{
          label: `Spend by ${labelOf(dimension).toLowerCase()}`,
          labels: top.map((row) => nameOf(dimension, row)),
          values: top.map((row) => toNumber(row.cost)),
        }}
      />
      <table data-testid="breakdown-table" data-dimension={dimension}>
        <thead>
          <tr>
            <th>{labelOf(dimension)}</th>
            <th>Requests</th>
            <th>Images</th>
            <th>Spend</th>
          </tr>
        </thead>
        <tbody>
          {report.rows.map((row) => (
            <tr
              key={`${row.user?.id}-${row.team?.id}-${row.model}-${row.apiKeyId}-${row.tag}`}
              data-name={nameOf(dimension, row)}
            >
              <td title={dimension === "API_KEY" ? (row.apiKeyId ?? undefined) : undefined}>
                {nameOf(dimension, row)}
              </td>
              <td>{row.requests}</td>
              <td>{row.images}</td>
              <td data-money={row.cost}>
                <Usd value={row.cost} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
