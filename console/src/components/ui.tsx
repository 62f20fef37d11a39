import { useId, type ReactNode } from "react";
import type { ApiErrors } from "../api/client";
import { formatUsd } from "../api/money";
import type { Page, Submission } from "../app/hooks";
import { navigate } from "../app/router";

/** A labelled input with the API's message for this field beside it. */
export function Field(props: { label: string; error?: string; children: (id: string) => ReactNode; hint?: string }) {
  const id = useId();
  return (
    <div className={props.error === undefined ? "field" : "field invalid"}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id)}
      {props.hint === undefined ? null : <small className="hint">{props.hint}</small>}
      {props.error === undefined ? null : (
        <small className="field-error" role="alert" data-field-error>
          {props.error}
        </small>
      )}
    </div>
  );
}

/** A form running one mutation; errors naming no field show above the button. */
export function Form<T>(props: {
  title: string;
  submission: Submission<T>;
  submitLabel: string;
  children: ReactNode;
  name?: string;
}) {
  const general = props.submission.errors[""];
  return (
    <form
      className="card form"
      aria-label={props.title}
      data-form={props.name}
      onSubmit={(event) => {
        event.preventDefault();
        void props.submission.submit();
      }}
    >
      <h3>{props.title}</h3>
      <div className="fields">{props.children}</div>
      {general === undefined ? null : (
        <p className="error" role="alert">
          {general}
        </p>
      )}
      <button type="submit" disabled={props.submission.busy}>
        {props.submitLabel}
      </button>
    </form>
  );
}

export function ErrorNote({ error }: { error: ApiErrors | undefined }) {
  if (error === undefined) return null;
  return (
    <p className="error" role="alert">
      {error.message === "" ? "The request failed" : error.message}
    </p>
  );
}

export function Usd({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return <span title={`$${value}`}>{formatUsd(value)}</span>;
}

export function When({ value }: { value: string | null | undefined }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return <time dateTime={value}>{value.replace("T", " ").replace(/:\d\d(\.\d+)?Z$/, " UTC")}</time>;
}

export function Pager<T>({ page, label }: { page: Page<T>; label: string }) {
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={page.previous} disabled={!page.hasPrevious || page.loading}>
        Previous
      </button>
      <span>Page {page.pageNumber}</span>
      <button type="button" onClick={page.next} disabled={!page.hasNext || page.loading}>
        Next
      </button>
    </nav>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p className="muted">Loading…</p> : null;
}

/** What an enum value reads as: GPT_IMAGE_2 -> "GPT IMAGE 2". */
export function label(value: string | null | undefined): string {
  return value === null || value === undefined ? "" : value.replaceAll("_", " ");
}

/** A link inside the console: the history API, no reload. */
export function Link(props: { to: string; children: ReactNode; className?: string }) {
  return (
    <a
      href={`/console${props.to}`}
      className={props.className}
      onClick={(event) => {
        if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
        event.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}
