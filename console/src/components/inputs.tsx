import { Field } from "./ui";

// Inputs bound to a form's values, each with the API's message for its field: `name` is the argument's name, which
// is the name the API's errors use.

interface Bound<T> {
  values: T;
  set<K extends keyof T>(name: K, value: T[K]): void;
}

export function TextInput<T extends Record<string, string | boolean>>(props: {
  form: Bound<T>;
  name: keyof T & string;
  label: string;
  errors: Record<string, string>;
  type?: string;
  placeholder?: string;
  hint?: string;
  required?: boolean;
}) {
  return (
    <Field label={props.label} error={props.errors[props.name]} hint={props.hint}>
      {(id) => (
        <input
          id={id}
          name={props.name}
          type={props.type ?? "text"}
          placeholder={props.placeholder}
          required={props.required}
          value={String(props.form.values[props.name])}
          onChange={(event) => props.form.set(props.name, event.target.value as T[typeof props.name])}
        />
      )}
    </Field>
  );
}

export function SelectInput<T extends Record<string, string | boolean>>(props: {
  form: Bound<T>;
  name: keyof T & string;
  label: string;
  errors: Record<string, string>;
  options: readonly (string | { value: string; label: string })[];
}) {
  return (
    <Field label={props.label} error={props.errors[props.name]}>
      {(id) => (
        <select
          id={id}
          name={props.name}
          value={String(props.form.values[props.name])}
          onChange={(event) => props.form.set(props.name, event.target.value as T[typeof props.name])}
        >
          {props.options.map((option) => {
            const { value, label } = typeof option === "string" ? { value: option, label: option } : option;
            return (
              <option key={value} value={value}>
                {label}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
}

export function CheckboxInput<T extends Record<string, string | boolean>>(props: {
  form: Bound<T>;
  name: keyof T & string;
  label: string;
  errors: Record<string, string>;
}) {
  return (
    <Field label={props.label} error={props.errors[props.name]}>
      {(id) => (
        <input
          id={id}
          name={props.name}
          type="checkbox"
          checked={props.form.values[props.name] === true}
          onChange={(event) => props.form.set(props.name, event.target.checked as T[typeof props.name])}
        />
      )}
    </Field>
  );
}
