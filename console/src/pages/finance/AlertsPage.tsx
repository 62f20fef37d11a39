import { BudgetAlertsDocument } from "../../api/client";
import { usePaged } from "../../app/hooks";
import { ErrorNote, label, Loading, Pager, Usd, When } from "../../components/ui";

export function AlertsPage() {
  const page = usePaged(BudgetAlertsDocument, {}, (data) => data.budgetAlerts);
  return (
    <section className="card">
      <p className="muted">Newest first. One alert per budget, period and threshold, when spend first crosses it.</p>
      <ErrorNote error={page.error} />
      <Loading when={page.loading} />
      <table data-testid="alerts-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Budget of</th>
            <th>Period</th>
            <th>Threshold</th>
            <th>Spent</th>
            <th>Limit</th>
            <th>Webhook</th>
          </tr>
        </thead>
        <tbody>
          {page.nodes.map((alert) => (
            <tr key={alert.id}>
              <td>
                <When value={alert.createdAt} />
              </td>
              <td>{alert.scope === "TEAM" ? `Team ${alert.team?.name ?? ""}` : (alert.user?.email ?? "")}</td>
              <td>
                {label(alert.period)} from <When value={alert.periodStart} />
              </td>
              <td>{alert.thresholdPercent}%</td>
              <td>
                <Usd value={alert.spent} />
              </td>
              <td>
                <Usd value={alert.limit} />
              </td>
              <td>
                {alert.deliveredAt !== null && alert.deliveredAt !== undefined ? (
                  <>
                    delivered <When value={alert.deliveredAt} />
                  </>
                ) : alert.attempts === 0 ? (
                  <span className="muted">not sent</span>
                ) : (
                  `${alert.attempts} attempts: ${alert.lastError ?? ""}`
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.nodes.length === 0 && !page.loading ? <p className="muted">No alerts.</p> : null}
      <Pager page={page} label="Alerts" />
    </section>
  );
}
