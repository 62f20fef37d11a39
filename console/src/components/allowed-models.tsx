import { useState } from "react";
import { ModelsDocument, SetAllowedModelsDocument, type ImageModel } from "../api/client";
import { useQuery, useSubmit } from "../app/hooks";
import { ErrorNote, Form, label } from "./ui";

/**
 * The models a user or a team may ask for: "no restriction" (null), or the ticked ones (none ticked: no model at
 * all). Where a user's and its team's lists both apply, the API allows a model only in both.
 */
export function AllowedModelsForm(props: {
  owner: { userId: string } | { teamId: string };
  allowed: readonly ImageModel[] | null;
  onDone(): void;
}) {
  const models = useQuery(ModelsDocument);
  const [unrestricted, setUnrestricted] = useState(props.allowed === null);
  const [ticked, setTicked] = useState<ReadonlySet<ImageModel>>(() => new Set(props.allowed ?? []));
  const all = (models.data?.models ?? []).map((m) => m.model);
  const set = useSubmit(
    SetAllowedModelsDocument,
    // In the catalogue's order, so that the stored list reads the same way.
    () => ({ ...props.owner, models: unrestricted ? null : all.filter((model) => ticked.has(model)) }),
    props.onDone,
  );
  const error = set.errors.models;
  return (
    <Form title="Allowed models" submission={set} submitLabel="Save models" name="allowed-models">
      <ErrorNote error={models.error} />
      <label className="check">
        <input type="checkbox" checked={unrestricted} onChange={(e) => setUnrestricted(e.target.checked)} /> No
        restriction
      </label>
      <fieldset className={error === undefined ? "models" : "models invalid"} disabled={unrestricted}>
        <legend>Models</legend>
        {all.map((model) => (
          <label key={model} className="check">
            <input
              type="checkbox"
              name="models"
              value={model}
              checked={ticked.has(model)}
              onChange={(e) =>
                setTicked((previous) => {
                  const next = new Set(previous);
                  if (e.target.checked) next.add(model);
                  else next.delete(model);
                  return next;
                })
              }
            />{" "}
            {label(model)}
          </label>
        ))}
        {error === undefined ? null : (
          <small className="field-error" role="alert" data-field-error>
            {error}
          </small>
        )}
      </fieldset>
      {!unrestricted && ticked.size === 0 ? (
        <p className="muted">No model ticked: every generation is refused.</p>
      ) : null}
    </Form>
  );
}
