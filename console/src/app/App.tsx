import { useEffect, useState } from "react";
import { MeDocument, requestWithKey, type MeQuery } from "../api/client";
import { apiKey, signIn, signOut } from "../api/session";
import { ErrorNote, Field, Link, Usd } from "../components/ui";
import { TryGeneration } from "../pages/account/TryGeneration";
import { asApiErrors, useQuery } from "./hooks";
import { homeOf, PAGES } from "./pages";
import { match, navigate, usePath } from "./router";

export function App() {
  const [key, setKey] = useState(apiKey);
  if (key === null) return <SignIn onSignedIn={setKey} />;
  return (
    <Shell
      onSignOut={() => {
        signOut();
        setKey(null);
      }}
    />
  );
}

function SignIn({ onSignedIn }: { onSignedIn(key: string): void }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  return (
    <main className="sign-in">
      <form
        className="card form"
        aria-label="Sign in"
        onSubmit={(event) => {
          event.preventDefault();
          setBusy(true);
          requestWithKey(value.trim(), MeDocument).then(
            (data) => {
              signIn(value.trim());
              onSignedIn(value.trim());
              navigate(homeOf(data.me.role));
            },
            (failure: unknown) => {
              setBusy(false);
              const errors = asApiErrors(failure);
              setError(errors.code === "UNAUTHENTICATED" ? "This API key is not valid" : errors.message);
            },
          );
        }}
      >
        <h1>imagegate console</h1>
        <p className="muted">Sign in with your API key. It is kept in this tab only, and forgotten when it closes.</p>
        <Field label="API key" error={error}>
          {(id) => (
            <input
              id={id}
              name="apiKey"
              type="password"
              autoComplete="off"
              value={value}
              onChange={(event) => setValue(event.target.value)}
              required
            />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Shell({ onSignOut }: { onSignOut(): void }) {
  const me = useQuery(MeDocument);
  const path = usePath();
  const unauthenticated = me.error?.code === "UNAUTHENTICATED";
  useEffect(() => {
    if (unauthenticated) onSignOut();
  }, [unauthenticated, onSignOut]);
  if (me.data === undefined) {
    return (
      <main className="content">{me.error ? <ErrorNote error={me.error} /> : <p className="muted">Loading…</p>}</main>
    );
  }
  const user = me.data.me;
  const visible = PAGES.filter((page) => page.inNav && page.roles.includes(user.role));
  return (
    <div className="layout">
      <aside className="nav">
        <p className="brand">imagegate</p>
        {(["Finance", "Admin"] as const).map((section) => {
          const pages = visible.filter((page) => page.section === section);
          if (pages.length === 0) return null;
          return (
            <nav key={section} aria-label={section}>
              <h2>{section}</h2>
              {pages.map((page) => (
                <Link key={page.path} to={page.path} className={path.startsWith(page.path) ? "active" : ""}>
                  {page.title}
                </Link>
              ))}
            </nav>
          );
        })}
        <div className="who">
          <span data-testid="signed-in-as">{user.email}</span>
          <span className="role">{user.role}</span>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </aside>
      <main className="content">
        <Route path={path} me={user} />
      </main>
    </div>
  );
}

function Route({ path, me }: { path: string; me: MeQuery["me"] }) {
  for (const page of PAGES) {
    const params = match(page.path, path);
    if (params === undefined) continue;
    if (!page.roles.includes(me.role)) return <Refused title={page.title} roles={page.roles} role={me.role} />;
    return (
      <>
        <h1>{page.title}</h1>
        {page.render(params)}
      </>
    );
  }
  if (path === "/") return <Home me={me} />;
  return (
    <>
      <h1>Not found</h1>
      <p>
        No page at <code>{path}</code>. <Link to={homeOf(me.role)}>Go home</Link>
      </p>
    </>
  );
}

function Refused(props: { title: string; roles: readonly string[]; role: string }) {
  return (
    <section className="refused" role="alert" data-refused>
      <h1>{props.title}: not for your role</h1>
      <p>
        This page is for {props.roles.join(" and ")}. You are signed in as {props.role}. Ask an administrator if you
        need access.
      </p>
    </section>
  );
}

function Home({ me }: { me: MeQuery["me"] }) {
  useEffect(() => {
    if (me.role !== "MEMBER") navigate(homeOf(me.role));
  }, [me.role]);
  if (me.role !== "MEMBER") return null;
  return (
    <>
      <h1>Your account</h1>
      <dl className="facts">
        <dt>Email</dt>
        <dd>{me.email}</dd>
        <dt>Balance</dt>
        <dd>
          <Usd value={me.balance} />
        </dd>
        <dt>Available</dt>
        <dd>
          <Usd value={me.available} />
        </dd>
      </dl>
      <p>The console's other pages are for FINANCE and ADMIN roles. You are signed in as MEMBER.</p>
      <TryGeneration />
    </>
  );
}
