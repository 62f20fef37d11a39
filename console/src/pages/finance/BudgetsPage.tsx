import { TeamsWithBudgetsDocument } from "../../api/client";
import { useQuery } from "../../app/hooks";
import { BudgetTable } from "../../components/budgets";
import { ErrorNote, Loading } from "../../components/ui";

// Teams' budgets. Users' own budgets join once the API lists users (users(search)): every team's members with
// their budgets in one query would cost more than an operation may (20 x 20 x 4 budgets x 9 fields).
export function BudgetsPage() {
  const teams = useQuery(TeamsWithBudgetsDocument);
  const rows = (teams.data?.teams ?? []).flatMap((team) =>
    team.budgets.map((budget) => ({ owner: `Team ${team.name}`, budget })),
  );
  return (
    <>
      <ErrorNote error={teams.error} />
      <Loading when={teams.loading} />
      <section className="card">
        <h2>Team budgets</h2>
        <BudgetTable rows={rows} />
      </section>
    </>
  );
}
