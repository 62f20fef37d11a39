import { useState } from "react";
import {
  ModelsDocument,
  request,
  GenerateImageDocument,
  type GenerateImageMutation,
  type ImageModel,
} from "../../api/client";
import { asApiErrors, useQuery } from "../../app/hooks";
import { ErrorNote, Usd, label } from "../../components/ui";

// A member's one generation from the console: a model and a prompt to generateImage with the member's own key, its
// charge or the API's refusal (code and message) shown as the API answered, so that a member can see what an
// allowlist, a budget or a balance does to its requests.
export function TryGeneration() {
  const models = useQuery(ModelsDocument);
  const enabled = (models.data?.models ?? []).filter((m) => m.enabled).map((m) => m.model);
  const [model, setModel] = useState<ImageModel | "">("");
  const [prompt, setPrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<
    { done: GenerateImageMutation["generateImage"] } | { code: string; message: string; field?: string }
  >();
  const chosen = model === "" ? enabled[0] : model;
  return (
    <form
      className="card form"
      aria-label="Try a generation"
      data-form="try-generation"
      onSubmit={(event) => {
        event.preventDefault();
        if (chosen === undefined) return;
        setBusy(true);
        setOutcome(undefined);
        request(GenerateImageDocument, { input: { model: chosen, prompt } })
          .then(
            (data) => setOutcome({ done: data.generateImage }),
            (failure: unknown) => {
              const first = asApiErrors(failure).errors[0];
              setOutcome({
                code: first?.code ?? "INTERNAL_SERVER_ERROR",
                message: first?.message ?? "The request failed",
                field: first?.field,
              });
            },
          )
          .finally(() => setBusy(false));
      }}
    >
      <h3>Try a generation</h3>
      <ErrorNote error={models.error} />
      <div className="fields">
        <div className="field">
          <label htmlFor="try-model">Model</label>
          <select
            id="try-model"
            name="model"
            value={chosen ?? ""}
            onChange={(e) => setModel(e.target.value as ImageModel)}
          >
            {enabled.map((m) => (
              <option key={m} value={m}>
                {label(m)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="try-prompt">Prompt</label>
          <input id="try-prompt" name="prompt" value={prompt} onChange={(e) => setPrompt(e.target.value)} required />
        </div>
      </div>
      {outcome === undefined ? null : "done" in outcome ? (
        <p role="status" data-testid="generation-result" data-status={outcome.done.status}>
          {outcome.done.status}: {label(outcome.done.servedModel)}, charged <Usd value={outcome.done.cost} />
        </p>
      ) : (
        <p className="error" role="alert" data-testid="generation-error" data-code={outcome.code}>
          <code>{outcome.code}</code> {outcome.message}
        </p>
      )}
      <button type="submit" disabled={busy || chosen === undefined}>
        Generate
      </button>
    </form>
  );
}
