import { useState } from "react";
import {
  DeleteTeamDocument,
  RemoveBudgetDocument,
  RenameTeamDocument,
  request,
  type TeamsWithBudgetsQuery,
} from "../../api/client";
import { messageOf, useFields, useSubmit } from "../../app/hooks";
import { AllowedModelsForm } from "../../components/allowed-models";
import { BudgetTable } from "../../components/budgets";
import { TextInput } from "../../components/inputs";
import { Form, label, Link, When } from "../../components/ui";

type Team = TeamsWithBudgetsQuery["teams"][number];

/** One team: its members, models and budgets, and the forms that rename it, limit its models or delete it. */
export function TeamCard({ team, onChange }: { team: Team; onChange(): void }) {
  const [removeError, setRemoveError] = useState<string>();
  return (
    <section className="card" data-team={team.name}>
      <h2>{team.name}</h2>
      <p className="muted">
        Created <When value={team.createdAt} /> · {team.members.length} members:{" "}
        {team.members.map((member, index) => (
          <span key={member.id}>
            {index === 0 ? "" : ", "}
            <Link to={`/admin/users/${member.id}`}>{member.email}</Link>
          </span>
        ))}
      </p>
      <p data-testid="team-models">
        Models:{" "}
        {team.allowedModels === null || team.allowedModels === undefined
          ? "any (no restriction)"
          : team.allowedModels.length === 0
            ? "none"
            : team.allowedModels.map(label).join(", ")}
      </p>
      {removeError === undefined ? null : <p className="error">{removeError}</p>}
      <BudgetTable
        rows={team.budgets.map((budget) => ({ owner: team.name, budget }))}
        onRemove={(budget) =>
          request(RemoveBudgetDocument, { id: budget.id }).then(onChange, (e: unknown) => setRemoveError(messageOf(e)))
        }
      />
      <div className="row">
        <RenameForm team={team} onDone={onChange} />
        {/* Keyed by the saved list: a reload after another change starts the ticks from what the API holds. */}
        <AllowedModelsForm
          key={JSON.stringify(team.allowedModels)}
          owner={{ teamId: team.id }}
          allowed={team.allowedModels ?? null}
          onDone={onChange}
        />
        <DeleteForm team={team} onDone={onChange} />
      </div>
    </section>
  );
}

function RenameForm({ team, onDone }: { team: Team; onDone(): void }) {
  const form = useFields({ name: team.name });
  const rename = useSubmit(RenameTeamDocument, () => ({ teamId: team.id, name: form.values.name }), onDone);
  return (
    <Form title="Rename" submission={rename} submitLabel="Rename team" name="rename-team">
      <TextInput form={form} name="name" label="Name" errors={rename.errors} />
    </Form>
  );
}

/** Deleting asks for a tick first: the members leave the team and its budgets go (reports keep its name). */
function DeleteForm({ team, onDone }: { team: Team; onDone(): void }) {
  const remove = useSubmit(DeleteTeamDocument, () => ({ teamId: team.id }), onDone);
  return (
    <Form title="Delete" submission={remove} submitLabel="Delete team" name="delete-team">
      <label className="check">
        <input type="checkbox" name="confirm" required />{" "}
        {team.members.length === 1 ? "Its member leaves" : `Its ${team.members.length} members leave`} it, and its
        budgets are removed
      </label>
      {remove.errors.teamId === undefined ? null : (
        <p className="error" role="alert">
          {remove.errors.teamId}
        </p>
      )}
    </Form>
  );
}
