import { useState } from "react";
import { CreateUserDocument, TeamsDocument, type Role } from "../../api/client";
import { ROLES } from "../../api/enums";
import { useFields, useQuery, useSubmit } from "../../app/hooks";
import { navigate } from "../../app/router";
import { SelectInput, TextInput } from "../../components/inputs";
import { ErrorNote, Form, Link, Loading } from "../../components/ui";

// The API has no list of all users yet (users(search) is coming): this page lists teams' members, opens any user by
// id, and creates users. The search list replaces the members table when it lands.
export function UsersPage() {
  const form = useFields({ email: "", role: "MEMBER" });
  const create = useSubmit(
    CreateUserDocument,
    () => ({ email: form.values.email.trim(), role: form.values.role as Role }),
    (data) => navigate(`/admin/users/${data.createUser.id}`),
  );
  const [id, setId] = useState("");
  const teams = useQuery(TeamsDocument);
  const members = (teams.data?.teams ?? []).flatMap((team) => team.members.map((member) => ({ member, team })));
  return (
    <>
      <div className="row">
        <Form title="Create a user" submission={create} submitLabel="Create user" name="create-user">
          <TextInput form={form} name="email" label="Email" type="email" errors={create.errors} required />
          <SelectInput form={form} name="role" label="Role" options={ROLES} errors={create.errors} />
        </Form>
        <form
          className="card form"
          aria-label="Open a user"
          onSubmit={(event) => {
            event.preventDefault();
            if (id.trim() !== "") navigate(`/admin/users/${encodeURIComponent(id.trim())}`);
          }}
        >
          <h3>Open a user by id</h3>
          <div className="fields">
            <div className="field">
              <label htmlFor="open-user-id">User id</label>
              <input id="open-user-id" name="userId" value={id} onChange={(e) => setId(e.target.value)} />
            </div>
          </div>
          <button type="submit">Open</button>
        </form>
      </div>
      <section className="card">
        <h2>Members of teams</h2>
        <ErrorNote error={teams.error} />
        <Loading when={teams.loading} />
        <table>
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Team</th>
            </tr>
          </thead>
          <tbody>
            {members.map(({ member, team }) => (
              <tr key={member.id}>
                <td>
                  <Link to={`/admin/users/${member.id}`}>{member.email}</Link>
                </td>
                <td>{member.role}</td>
                <td>{team.name}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
