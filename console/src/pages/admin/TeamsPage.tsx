import {
  CreateTeamDocument,
  SetTeamBudgetDocument,
  TeamsWithBudgetsDocument,
  type BudgetPeriod,
} from "../../api/client";
import { BUDGET_PERIODS } from "../../api/enums";
import { useFields, useQuery, useSubmit } from "../../app/hooks";
import { SelectInput, TextInput } from "../../components/inputs";
import { ErrorNote, Form, Loading } from "../../components/ui";
import { TeamCard } from "./TeamCard";
import { thresholdsOf } from "./thresholds";

export function TeamsPage() {
  const teams = useQuery(TeamsWithBudgetsDocument);
  const list = teams.data?.teams ?? [];
  const createForm = useFields({ name: "" });
  const create = useSubmit(
    CreateTeamDocument,
    () => ({ name: createForm.values.name }),
    () => {
      createForm.reset();
      teams.reload();
    },
  );
  const budgetForm = useFields({ teamId: "", period: "MONTHLY", limit: "", alertThresholds: "80, 100" });
  const setBudget = useSubmit(
    SetTeamBudgetDocument,
    () => ({
      teamId: budgetForm.values.teamId === "" ? (list[0]?.id ?? "") : budgetForm.values.teamId,
      period: budgetForm.values.period as BudgetPeriod,
      limit: budgetForm.values.limit.trim(),
      alertThresholds: thresholdsOf(budgetForm.values.alertThresholds),
    }),
    teams.reload,
  );
  return (
    <>
      <div className="row">
        <Form title="Create a team" submission={create} submitLabel="Create team" name="create-team">
          <TextInput form={createForm} name="name" label="Name" errors={create.errors} />
        </Form>
        <Form title="Set a team budget" submission={setBudget} submitLabel="Set budget" name="set-team-budget">
          <SelectInput
            form={budgetForm}
            name="teamId"
            label="Team"
            options={list.map((team) => ({ value: team.id, label: team.name }))}
            errors={setBudget.errors}
          />
          <SelectInput
            form={budgetForm}
            name="period"
            label="Period"
            options={BUDGET_PERIODS}
            errors={setBudget.errors}
          />
          <TextInput
            form={budgetForm}
            name="limit"
            label="Limit (USD)"
            placeholder="500.00"
            errors={setBudget.errors}
          />
          <TextInput form={budgetForm} name="alertThresholds" label="Alert at (%)" errors={setBudget.errors} />
        </Form>
      </div>
      <ErrorNote error={teams.error} />
      <Loading when={teams.loading} />
      {list.map((team) => (
        <TeamCard key={team.id} team={team} onChange={teams.reload} />
      ))}
    </>
  );
}
