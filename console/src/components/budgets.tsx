import type { BudgetDetailsFragment } from "../api/client";
import { toMicros } from "../api/money";
import { label, Usd, When } from "./ui";

/** Budgets with their use: spent and held against the limit, what remains, and when the period resets. */
export function BudgetTable(props: {
  rows: { owner: string; budget: BudgetDetailsFragment }[];
  onRemove?: (budget: BudgetDetailsFragment) => void;
}) {
  if (props.rows.length === 0) return <p className="muted">No budgets.</p>;
  return (
    <table data-testid="budgets-table">
      <thead>
        <tr>
          <th>Owner</th>
          <th>Period</th>
          <th>Limit</th>
          <th>Use</th>
          <th>Spent</th>
          <th>Held</th>
          <th>Remaining</th>
          <th>Resets</th>
          <th>Alerts at</th>
          {props.onRemove === undefined ? null : <th />}
        </tr>
      </thead>
      <tbody>
        {props.rows.map(({ owner, budget }) => (
          <tr key={budget.id}>
            <td>{owner}</td>
            <td>{label(budget.period)}</td>
            <td>
              <Usd value={budget.limit} />
            </td>
            <td>
              <Use budget={budget} />
            </td>
            <td>
              <Usd value={budget.spent} />
            </td>
            <td>
              <Usd value={budget.held} />
            </td>
            <td data-money={budget.remaining}>
              <Usd value={budget.remaining} />
            </td>
            <td>
              {budget.period === "TOTAL" ? <span className="muted">never</span> : <When value={budget.resetsAt} />}
            </td>
            <td>{budget.alertThresholds.map((p) => `${p}%`).join(", ")}</td>
            {props.onRemove === undefined ? null : (
              <td>
                <button type="button" className="danger small" onClick={() => props.onRemove?.(budget)}>
                  Remove
                </button>
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Use({ budget }: { budget: BudgetDetailsFragment }) {
  const limit = toMicros(budget.limit);
  const used = toMicros(budget.spent) + toMicros(budget.held);
  const percent = limit === 0n ? 100 : Number((used * 1000n) / limit) / 10;
  return (
    <span className="use">
      <meter min={0} max={100} low={80} high={99} optimum={0} value={Math.min(percent, 100)} />
      <span>{percent.toFixed(1)}%</span>
    </span>
  );
}
