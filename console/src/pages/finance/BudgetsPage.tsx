import { BudgetsDocument } from "../../api/client";
import { useQuery } from "../../app/hooks";
import { BudgetTable } from "../../components/budgets";
import { ErrorNote, Loading } from "../../components/ui";

/** Every team's budgets, and the budgets of their members. */
export function BudgetsPage() {
  const teams = useQuery(BudgetsDocument);
  const data = teams.data?.teams ?? [];
  const teamRows = data.flatMap((team) => team.budgets.map((budget) => ({ owner: `Team ${team.name}`, budget })));
  const userRows = data.flatMap((team) =>
    team.members.flatMap((member) => member.budgets.map((budget) => ({ owner: member.email, budget }))),
  );
  return (
    <>
      <ErrorNote error={teams.error} />
      <Loading when={teams.loading} />
      <section className="card">
        <h2>Team budgets</h2>
        <BudgetTable rows={teamRows} />
      </section>
      <section className="card">
        <h2>Members' own budgets</h2>
        <p className="muted">Users outside any team are listed on their page (Admin, Users).</p>
        <BudgetTable rows={userRows} />
      </section>
    </>
  );
}
