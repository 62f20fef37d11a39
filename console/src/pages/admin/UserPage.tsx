import {
  CreateApiKeyDocument,
  GrantCreditsDocument,
  RemoveBudgetDocument,
  RevokeApiKeyDocument,
  SetBudgetDocument,
  SetUserRateLimitDocument,
  SetUserTeamDocument,
  TeamsDocument,
  UserDetailDocument,
  UserLedgerDocument,
  type BudgetPeriod,
  type UserDetailQuery,
} from "../../api/client";
import { BUDGET_PERIODS } from "../../api/enums";
import { orNull, usePaged, useFields, useQuery, useSubmit, messageOf } from "../../app/hooks";
import { request } from "../../api/client";
import { BudgetTable } from "../../components/budgets";
import { SelectInput, TextInput } from "../../components/inputs";
import { ErrorNote, Form, label, Loading, Pager, Usd, When } from "../../components/ui";
import { useState } from "react";
import { thresholdsOf } from "./thresholds";

export function UserPage({ id }: { id: string }) {
  const user = useQuery(UserDetailDocument, { id });
  if (user.error !== undefined) return <ErrorNote error={user.error} />;
  if (user.data === undefined) return <Loading when />;
  if (user.data.user === null || user.data.user === undefined) return <p className="error">No user with id {id}.</p>;
  return <UserDetail user={user.data.user} reload={user.reload} />;
}

type Detail = NonNullable<UserDetailQuery["user"]>;

function UserDetail({ user, reload }: { user: Detail; reload(): void }) {
  const [budgetError, setBudgetError] = useState<string>();
  return (
    <>
      <dl className="facts card" data-testid="user-facts">
        <dt>Email</dt>
        <dd>{user.email}</dd>
        <dt>Id</dt>
        <dd>
          <code>{user.id}</code>
        </dd>
        <dt>Role</dt>
        <dd>{user.role}</dd>
        <dt>Team</dt>
        <dd>{user.team?.name ?? <span className="muted">none</span>}</dd>
        <dt>Balance</dt>
        <dd data-testid="balance">
          <Usd value={user.balance} />
        </dd>
        <dt>Held</dt>
        <dd>
          <Usd value={user.reserved} />
        </dd>
        <dt>Available</dt>
        <dd>
          <Usd value={user.available} />
        </dd>
        <dt>Rate limit</dt>
        <dd>
          {user.rateLimitPerMinute === null || user.rateLimitPerMinute === undefined
            ? "unlimited"
            : `${user.rateLimitPerMinute} images per minute`}
          {user.rateLimitOverride === null || user.rateLimitOverride === undefined ? " (the default)" : " (set here)"}
        </dd>
      </dl>
      <div className="row">
        <GrantForm userId={user.id} onDone={reload} />
        <KeyForms userId={user.id} />
      </div>
      <div className="row">
        <BudgetForm userId={user.id} onDone={reload} />
        <RateLimitForm userId={user.id} onDone={reload} />
        <TeamForm userId={user.id} teamId={user.team?.id ?? ""} onDone={reload} />
      </div>
      <section className="card">
        <h2>Budgets</h2>
        {budgetError === undefined ? null : <p className="error">{budgetError}</p>}
        <BudgetTable
          rows={user.budgets.map((budget) => ({ owner: user.email, budget }))}
          onRemove={(budget) =>
            request(RemoveBudgetDocument, { id: budget.id }).then(reload, (e: unknown) => setBudgetError(messageOf(e)))
          }
        />
      </section>
      <Ledger userId={user.id} />
    </>
  );
}

function GrantForm({ userId, onDone }: { userId: string; onDone(): void }) {
  const form = useFields({ amount: "", reason: "" });
  const grant = useSubmit(
    GrantCreditsDocument,
    () => ({ userId, amount: form.values.amount.trim(), reason: form.values.reason }),
    () => {
      form.reset();
      onDone();
    },
  );
  return (
    <Form title="Grant credits" submission={grant} submitLabel="Grant" name="grant">
      <TextInput
        form={form}
        name="amount"
        label="Amount (USD)"
        placeholder="10.00"
        errors={grant.errors}
        hint="Negative for an adjustment"
      />
      <TextInput form={form} name="reason" label="Reason" errors={grant.errors} />
    </Form>
  );
}

function KeyForms({ userId }: { userId: string }) {
  const form = useFields({ name: "" });
  const create = useSubmit(CreateApiKeyDocument, () => ({ userId, name: form.values.name }));
  const revokeForm = useFields({ id: "" });
  const revoke = useSubmit(RevokeApiKeyDocument, () => ({ id: revokeForm.values.id.trim() }), revokeForm.reset);
  const created = create.result?.createApiKey;
  return (
    <>
      <Form title="Create an API key" submission={create} submitLabel="Create key" name="create-key">
        <TextInput form={form} name="name" label="Key name" errors={create.errors} />
        {created === undefined ? null : (
          <div className="secret" role="status">
            <p>
              Key <code>{created.id}</code> ({created.name}). Copy the secret now: it is shown this once.
            </p>
            <code data-testid="key-secret">{created.secret}</code>
            <button
              type="button"
              className="secondary small"
              onClick={() => void navigator.clipboard?.writeText(created.secret)}
            >
              Copy
            </button>
          </div>
        )}
      </Form>
      <Form title="Revoke an API key" submission={revoke} submitLabel="Revoke" name="revoke-key">
        <TextInput form={revokeForm} name="id" label="Key id" errors={revoke.errors} />
        {revoke.result?.revokeApiKey === true ? <p role="status">Revoked.</p> : null}
      </Form>
    </>
  );
}

function BudgetForm({ userId, onDone }: { userId: string; onDone(): void }) {
  const form = useFields({ period: "MONTHLY", limit: "", alertThresholds: "80, 100" });
  const set = useSubmit(
    SetBudgetDocument,
    () => ({
      userId,
      period: form.values.period as BudgetPeriod,
      limit: form.values.limit.trim(),
      alertThresholds: thresholdsOf(form.values.alertThresholds),
    }),
    onDone,
  );
  return (
    <Form title="Set a budget" submission={set} submitLabel="Set budget" name="set-budget">
      <SelectInput form={form} name="period" label="Period" options={BUDGET_PERIODS} errors={set.errors} />
      <TextInput form={form} name="limit" label="Limit (USD)" placeholder="100.00" errors={set.errors} />
      <TextInput form={form} name="alertThresholds" label="Alert at (%)" errors={set.errors} />
    </Form>
  );
}

function RateLimitForm({ userId, onDone }: { userId: string; onDone(): void }) {
  const form = useFields({ imagesPerMinute: "" });
  const set = useSubmit(
    SetUserRateLimitDocument,
    () => {
      const value = orNull(form.values.imagesPerMinute);
      return { userId, imagesPerMinute: value === null ? null : Number(value) };
    },
    onDone,
  );
  return (
    <Form title="Rate limit" submission={set} submitLabel="Set limit" name="rate-limit">
      <TextInput
        form={form}
        name="imagesPerMinute"
        label="Images per minute"
        type="number"
        errors={set.errors}
        hint="Empty: the deployment's default"
      />
    </Form>
  );
}

function TeamForm({ userId, teamId, onDone }: { userId: string; teamId: string; onDone(): void }) {
  const teams = useQuery(TeamsDocument);
  const form = useFields({ teamId });
  const set = useSubmit(SetUserTeamDocument, () => ({ userId, teamId: orNull(form.values.teamId) }), onDone);
  const options = [
    { value: "", label: "(no team)" },
    ...(teams.data?.teams ?? []).map((t) => ({ value: t.id, label: t.name })),
  ];
  return (
    <Form title="Team" submission={set} submitLabel="Move" name="set-team">
      <SelectInput form={form} name="teamId" label="Team" options={options} errors={set.errors} />
    </Form>
  );
}

function Ledger({ userId }: { userId: string }) {
  const page = usePaged(UserLedgerDocument, { userId }, (data) => data.ledger);
  return (
    <section className="card">
      <h2>Ledger</h2>
      <ErrorNote error={page.error} />
      <table data-testid="ledger-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Kind</th>
            <th>Amount</th>
            <th>Balance after</th>
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {page.nodes.map((entry) => (
            <tr key={entry.id}>
              <td>
                <When value={entry.createdAt} />
              </td>
              <td>{label(entry.kind)}</td>
              <td>
                <Usd value={entry.amount} />
              </td>
              <td>
                <Usd value={entry.balanceAfter} />
              </td>
              <td>{entry.reason ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager page={page} label="Ledger" />
    </section>
  );
}
