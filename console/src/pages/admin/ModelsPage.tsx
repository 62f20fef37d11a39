import { ModelsDocument, SetModelRouteDocument, type ImageModel, type ModelsQuery } from "../../api/client";
import { useFields, useQuery, useSubmit } from "../../app/hooks";
import { CheckboxInput, SelectInput } from "../../components/inputs";
import { ErrorNote, Form, label, Loading, When } from "../../components/ui";

export function ModelsPage() {
  const models = useQuery(ModelsDocument);
  const list = models.data?.models ?? [];
  return (
    <>
      <ErrorNote error={models.error} />
      <Loading when={models.loading} />
      <section className="card">
        <table data-testid="models-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Provider</th>
              <th>Status</th>
              <th>Shutdown</th>
              <th>Replacement</th>
              <th>Served by</th>
              <th>Enabled</th>
            </tr>
          </thead>
          <tbody>
            {list.map((model) => (
              <tr key={model.model}>
                <td>{label(model.model)}</td>
                <td>{model.provider}</td>
                <td className={`status-${model.status.toLowerCase()}`}>{label(model.status)}</td>
                <td>
                  <When value={model.shutdownDate} />
                </td>
                <td>{label(model.replacement) || <span className="muted">—</span>}</td>
                <td>{label(model.servedBy) || <span className="muted">itself</span>}</td>
                <td>{model.enabled ? "yes" : "refused"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {list.length === 0 ? null : <RouteForm models={list} onDone={models.reload} />}
    </>
  );
}

function RouteForm({ models, onDone }: { models: ModelsQuery["models"]; onDone(): void }) {
  const first = models[0]?.model ?? "";
  const form = useFields({ model: first, servedBy: "", enabled: true });
  const route = useSubmit(
    SetModelRouteDocument,
    () => ({
      model: form.values.model as ImageModel,
      servedBy: form.values.servedBy === "" ? null : (form.values.servedBy as ImageModel),
      enabled: form.values.enabled,
    }),
    onDone,
  );
  const names = models.map((model) => ({ value: model.model, label: label(model.model) }));
  return (
    <Form title="Route a model" submission={route} submitLabel="Save route" name="route-model">
      <SelectInput form={form} name="model" label="Model" options={names} errors={route.errors} />
      <SelectInput
        form={form}
        name="servedBy"
        label="Served by"
        options={[{ value: "", label: "itself" }, ...names]}
        errors={route.errors}
      />
      <CheckboxInput form={form} name="enabled" label="Enabled" errors={route.errors} />
    </Form>
  );
}
