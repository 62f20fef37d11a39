import {
  CreateApiKeyDocument,
  GrantCreditsDocument,
  RemoveBudgetDocument,
  RevokeApiKeyDocument,
  SetBudgetDocument,
  SetUserRateLimitDocument,
  SetUserTeamDocument,
  SetUserActiveDocument,
  SetUserRoleDocument,
  TeamsDocument,
  LedgerDocument,
  UserApiKeysDocument,
  UserDocument,
  type BudgetPeriod,
  type Role,
  type UserApiKeysQuery,
  type UserQuery,
} from "../../api/client";
import { BUDGET_PERIODS, ROLES } from "../../api/enums";
import { orNull, usePaged, useFields, useQuery, useSubmit, messageOf } from "../../app/hooks";
import { request } from "../../api/client";
import { AllowedModelsForm } from "../../components/allowed-models";
import { BudgetTable } from "../../components/budgets";
import { SelectInput, TextInput } from "../../components/inputs";
import { ErrorNote, Form, label, Loading, Pager, Usd, When } from "../../components/ui";
import { useState } from "react";
import { thresholdsOf } from "./thresholds";

// The user (facts and budgets) and its keys are the SDK's two queries; a change reloads both.
export function UserPage({ id }: { id: string }) {
  const user = useQuery(UserDocument, { id });
  const keys = useQuery(UserApiKeysDocument, { id });
  const reload = () => {
    user.reload();
    keys.reload();
  };
  const error = user.error ?? keys.error;
  if (error !== undefined) return <ErrorNote error={error} />;
  if (user.data === undefined || keys.data === undefined) return <Loading when />;
  if (user.data.user === null || user.data.user === undefined) return <p className="error">No user with id {id}.</p>;
  return <UserDetail user={user.data.user} keys={keys.data.user?.apiKeys ?? []} reload={reload} />;
}

type Detail = NonNullable<UserQuery["user"]>;
type Keys = NonNullable<UserApiKeysQuery["user"]>["apiKeys"];

function UserDetail({ user, keys, reload }: { user: Detail; keys: Keys; reload(): void }) {
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
        <dd data-testid="role">{user.role}</dd>
        <dt>Active</dt>
        <dd data-testid="active">{user.active ? "yes" : "no: its keys are refused"}</dd>
        <dt>Models</dt>
        <dd data-testid="allowed-models">
          {user.allowedModels === null || user.allowedModels === undefined
            ? "any (no restriction)"
            : user.allowedModels.length === 0
              ? "none"
              : user.allowedModels.map(label).join(", ")}
        </dd>
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
        <RoleForm userId={user.id} role={user.role} onDone={reload} />
        <ActiveForm userId={user.id} active={user.active} onDone={reload} />
        <AllowedModelsForm owner={{ userId: user.id }} allowed={user.allowedModels ?? null} onDone={reload} />
      </div>
      <div className="row">
        <GrantForm userId={user.id} onDone={reload} />
        <KeyForms userId={user.id} onDone={reload} />
      </div>
      <KeyTable keys={keys} />
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

function KeyForms({ userId, onDone }: { userId: string; onDone(): void }) {
  const form = useFields({ name: "", expiresAt: "" });
  const create = useSubmit(
    CreateApiKeyDocument,
    () => ({ userId, name: form.values.name, expiresAt: utcInstant(form.values.expiresAt) }),
    onDone,
  );
  const revokeForm = useFields({ id: "" });
  const revoke = useSubmit(
    RevokeApiKeyDocument,
    () => ({ id: revokeForm.values.id.trim() }),
    () => {
      revokeForm.reset();
      onDone();
    },
  );
  const created = create.result?.createApiKey;
  return (
    <>
      <Form title="Create an API key" submission={create} submitLabel="Create key" name="create-key">
        <TextInput form={form} name="name" label="Key name" errors={create.errors} />
        <TextInput
          form={form}
          name="expiresAt"
          label="Expires (UTC)"
          type="datetime-local"
          errors={create.errors}
          hint="Optional: empty, it never expires"
        />
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

/** A datetime-local value read as UTC ("2026-01-02T03:04" -> "2026-01-02T03:04:00.000Z"); "" is none. */
function utcInstant(value: string): string | null {
  if (value.trim() === "") return null;
  const instant = new Date(`${value.trim()}${value.length === 16 ? ":00" : ""}Z`);
  // An unreadable value goes to the API as typed: its refusal names the field.
  return Number.isNaN(instant.getTime()) ? value : instant.toISOString();
}

function KeyTable({ keys }: { keys: Keys }) {
  return (
    <section className="card">
      <h2>API keys</h2>
      <table data-testid="keys-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Prefix</th>
            <th>Kind</th>
            <th>Created</th>
            <th>Last used</th>
            <th>Expires</th>
            <th>Revoked</th>
            <th>Id</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} data-key={key.id} data-name={key.name} data-expires={key.expiresAt ?? ""}>
              <td>{key.name}</td>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td>{label(key.kind)}</td>
              <td>
                <When value={key.createdAt} />
              </td>
              <td>
                <When value={key.lastUsedAt} />
              </td>
              <td>
                <When value={key.expiresAt} />
              </td>
              <td>
                <When value={key.revokedAt} />
              </td>
              <td>
                <code>{key.id}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {keys.length === 0 ? <p className="muted">No keys.</p> : null}
    </section>
  );
}

function RoleForm({ userId, role, onDone }: { userId: string; role: Role; onDone(): void }) {
  const form = useFields({ role: role as string });
  const set = useSubmit(SetUserRoleDocument, () => ({ userId, role: form.values.role as Role }), onDone);
  return (
    <Form title="Role" submission={set} submitLabel="Set role" name="set-role">
      <SelectInput form={form} name="role" label="Role" options={ROLES} errors={set.errors} />
    </Form>
  );
}

function ActiveForm({ userId, active, onDone }: { userId: string; active: boolean; onDone(): void }) {
  const set = useSubmit(SetUserActiveDocument, () => ({ userId, active: !active }), onDone);
  return (
    <Form
      title={active ? "Active" : "Inactive"}
      submission={set}
      submitLabel={active ? "Deactivate" : "Activate"}
      name="set-active"
    >
      {set.errors.active === undefined ? null : (
        <p className="error" role="alert" data-field-error>
          {set.errors.active}
        </p>
      )}
      <p className="muted">
        {active ? "The user's keys work." : "The user's keys are refused until the user is activated again."}
      </p>
    </Form>
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
  const page = usePaged(LedgerDocument, { userId }, (data) => data.ledger);
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
