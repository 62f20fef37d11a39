import { useState } from "react";
import { AuditLogDocument, type AuditAction } from "../../api/client";
import { orNull, usePaged } from "../../app/hooks";
import { TextInput } from "../../components/inputs";
import { ErrorNote, Loading, Pager, When } from "../../components/ui";
import { dayEnd, dayStart } from "../finance/range";

const NO_FILTER = { action: "", targetId: "", from: "", to: "" };

export function AuditLogPage() {
  const [draft, setDraft] = useState(NO_FILTER);
  const [filter, setFilter] = useState(draft);
  const page = usePaged(
    AuditLogDocument,
    {
      // Typed as the API's enum but sent as typed: an unknown action comes back as BAD_USER_INPUT beside the field.
      action: orNull(filter.action) as AuditAction | null,
      targetId: orNull(filter.targetId),
      // Whole UTC days, both inclusive, as the spend pages pick them.
      from: filter.from === "" ? null : dayStart(filter.from),
      to: filter.to === "" ? null : dayEnd(filter.to),
    },
    (data) => data.auditLog,
  );
  const errors = page.error?.byField() ?? {};
  const form = {
    values: draft,
    set: (name: keyof typeof draft, value: string) => setDraft({ ...draft, [name]: value }),
  };
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
        <TextInput form={form} name="action" label="Action" errors={errors} />
        <TextInput form={form} name="targetId" label="Target id" errors={errors} />
        <TextInput form={form} name="from" label="From" type="date" errors={errors} />
        <TextInput form={form} name="to" label="To" type="date" errors={errors} />
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
