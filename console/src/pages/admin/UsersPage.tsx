import { useState } from "react";
import { CreateUserDocument, UsersDocument, type ApiErrors, type Role } from "../../api/client";
import { ROLES } from "../../api/enums";
import { orNull, useFields, usePaged, useSubmit } from "../../app/hooks";
import { navigate } from "../../app/router";
import { SelectInput, TextInput } from "../../components/inputs";
import { Form, Link, Pager } from "../../components/ui";

// Every user, a page at a time from `users` (search and role filter), each linking to its page; creating a user and
// opening one by id.
export function UsersPage() {
  const form = useFields({ email: "", role: "MEMBER" });
  const create = useSubmit(
    CreateUserDocument,
    () => ({ email: form.values.email.trim(), role: form.values.role as Role }),
    (data) => navigate(`/admin/users/${data.createUser.id}`),
  );
  const [id, setId] = useState("");
  const filters = useFields({ search: "", role: "" });
  // The list follows the search box as it is typed: each change starts again at the first page (usePaged).
  const page = usePaged(
    UsersDocument,
    { search: orNull(filters.values.search), role: (orNull(filters.values.role) as Role | null) ?? null },
    (data) => data.users,
  );
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
        <h2>All users</h2>
        <div className="fields filters" role="search" aria-label="Find users">
          <TextInput
            form={filters}
            name="search"
            label="Search"
            type="search"
            placeholder="part of an email"
            errors={pageErrors(page.error)}
          />
          <SelectInput
            form={filters}
            name="role"
            label="Role filter"
            options={[{ value: "", label: "(any role)" }, ...ROLES]}
            errors={pageErrors(page.error)}
          />
        </div>
        {pageErrors(page.error)[""] === undefined ? null : (
          <p className="error" role="alert">
            {pageErrors(page.error)[""]}
          </p>
        )}
        <table data-testid="users-table" aria-busy={page.loading}>
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Team</th>
              <th>Active</th>
            </tr>
          </thead>
          <tbody>
            {page.nodes.map((user) => (
              <tr key={user.id} data-user={user.email}>
                <td>
                  <Link to={`/admin/users/${user.id}`}>{user.email}</Link>
                </td>
                <td>{user.role}</td>
                <td>{user.team?.name ?? <span className="muted">none</span>}</td>
                <td>{user.active ? "yes" : <span className="error">inactive</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.loading || page.error !== undefined || page.nodes.length > 0 ? null : (
          <p className="muted">No user matches.</p>
        )}
        <Pager page={page} label="Users" />
      </section>
    </>
  );
}

/** A refused search names its argument (search, role): shown beside that filter; the rest above the table. */
function pageErrors(error: ApiErrors | undefined): Record<string, string> {
  return error === undefined ? {} : error.byField();
}
