import { useState } from "react";
import { TeamsWithBudgetsDocument, UsersWithBudgetsDocument } from "../../api/client";
import { orNull, usePaged, useQuery } from "../../app/hooks";
import { BudgetTable } from "../../components/budgets";
import { ErrorNote, Field, Loading, Pager } from "../../components/ui";

// Teams' budgets, then users' own: a page of users at a time (users, with their budgets), since every user's budgets
// in one query would be more than an operation may cost. The search finds one user's.
export function BudgetsPage() {
  const teams = useQuery(TeamsWithBudgetsDocument);
  const teamRows = (teams.data?.teams ?? []).flatMap((team) =>
    team.budgets.map((budget) => ({ owner: `Team ${team.name}`, budget })),
  );
  const [search, setSearch] = useState("");
  const users = usePaged(UsersWithBudgetsDocument, { search: orNull(search) }, (data) => data.users);
  const userRows = users.nodes.flatMap((user) => user.budgets.map((budget) => ({ owner: user.email, budget })));
  const withNone = users.nodes.filter((user) => user.budgets.length === 0).length;
  return (
    <>
      <ErrorNote error={teams.error} />
      <Loading when={teams.loading} />
      <section className="card">
        <h2>Team budgets</h2>
        <BudgetTable rows={teamRows} />
      </section>
      <section className="card" data-testid="user-budgets">
        <div className="card-head">
          <h2>Users&apos; own budgets</h2>
          <Field label="Search users" error={users.error?.byField().search}>
            {(id) => <input id={id} type="search" value={search} onChange={(event) => setSearch(event.target.value)} />}
          </Field>
        </div>
        <ErrorNote error={users.error?.byField().search === undefined ? users.error : undefined} />
        <Loading when={users.loading} />
        <BudgetTable rows={userRows} />
        <p className="muted">
          {users.nodes.length} {users.nodes.length === 1 ? "user" : "users"} on this page
          {withNone === 0 ? "" : `, ${withNone} without a budget`}.
        </p>
        <Pager page={users} label="Users" />
      </section>
    </>
  );
}
