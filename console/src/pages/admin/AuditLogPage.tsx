import { useState } from "react";
import { AuditLogDocument, type AuditAction } from "../../api/client";
import { orNull, usePaged } from "../../app/hooks";
import { ErrorNote, Loading, Pager, When } from "../../components/ui";

export function AuditLogPage() {
  const [draft, setDraft] = useState({ action: "", targetId: "" });
  const [filter, setFilter] = useState(draft);
  const page = usePaged(
    AuditLogDocument,
    // Typed as the API's enum but sent as typed: an unknown action comes back as BAD_USER_INPUT beside the field.
    { action: orNull(filter.action) as AuditAction | null, targetId: orNull(filter.targetId) },
    (data) => data.auditLog,
  );
  const errors = page.error?.byField() ?? {};
  return (
    <>
      <form
        className="card range"
        aria-label="Filter"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <div className={errors.action === undefined ? "field" : "field invalid"}>
          <label htmlFor="audit-action">Action</label>
          <input
            id="audit-action"
            name="action"
            value={draft.action}
            onChange={(e) => setDraft({ ...draft, action: e.target.value })}
          />
          {errors.action === undefined ? null : <small className="field-error">{errors.action}</small>}
        </div>
        <div className={errors.targetId === undefined ? "field" : "field invalid"}>
          <label htmlFor="audit-target">Target id</label>
          <input
            id="audit-target"
            name="targetId"
            value={draft.targetId}
            onChange={(e) => setDraft({ ...draft, targetId: e.target.value })}
          />
          {errors.targetId === undefined ? null : <small className="field-error">{errors.targetId}</small>}
        </div>
        <button type="submit">Filter</button>
      </form>
      <section className="card">
        {errors[""] === undefined ? null : <ErrorNote error={page.error} />}
        <Loading when={page.loading} />
        <table data-testid="audit-table">
          <thead>
            <tr>
              <th>When</th>
              <th>Action</th>
              <th>Target</th>
              <th>Actor</th>
              <th>Change</th>
            </tr>
          </thead>
          <tbody>
            {page.nodes.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <When value={entry.createdAt} />
                </td>
                <td>{entry.action}</td>
                <td>
                  {entry.targetType} <code>{entry.targetId}</code>
                </td>
                <td>
                  {entry.actorId === null || entry.actorId === undefined ? (
                    "command line"
                  ) : (
                    <code>{entry.actorId}</code>
                  )}
                </td>
                <td className="change">
                  <code>{JSON.stringify(entry.before ?? null)}</code> →{" "}
                  <code>{JSON.stringify(entry.after ?? null)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <Pager page={page} label="Audit log" />
      </section>
    </>
  );
}
