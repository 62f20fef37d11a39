import { useState } from "react";
import {
  ModelsDocument,
  PricesDocument,
  SetPriceDocument,
  SetTokenPriceDocument,
  TokenPricesDocument,
  type ImageModel,
  type ImageQuality,
  type ImageSize,
} from "../../api/client";
import { IMAGE_QUALITIES, IMAGE_SIZES } from "../../api/enums";
import { orNull, useFields, useQuery, useSubmit } from "../../app/hooks";
import { SelectInput, TextInput } from "../../components/inputs";
import { ErrorNote, Form, label, Loading, Usd, When } from "../../components/ui";

// The prices in force now; history and future prices come with the API's price history.
export function PricesPage() {
  const prices = useQuery(PricesDocument);
  const tokenPrices = useQuery(TokenPricesDocument);
  const reload = () => {
    prices.reload();
    tokenPrices.reload();
  };
  const models = useQuery(ModelsDocument);
  const [model, setModel] = useState("");
  const names = (models.data?.models ?? []).map((m) => m.model);
  const perImage = (prices.data?.prices ?? []).filter((price) => model === "" || price.model === model);
  return (
    <>
      <ErrorNote error={prices.error ?? tokenPrices.error} />
      <Loading when={prices.loading || tokenPrices.loading} />
      <div className="row">
        <PriceForm models={names} onDone={reload} />
        <TokenPriceForm models={names} onDone={reload} />
      </div>
      <section className="card">
        <div className="card-head">
          <h2>Per-image prices</h2>
          <select aria-label="Model filter" value={model} onChange={(e) => setModel(e.target.value)}>
            <option value="">every model</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {label(name)}
              </option>
            ))}
          </select>
        </div>
        <table data-testid="prices-table">
          <thead>
            <tr>
              <th>Model</th>
              <th>Size</th>
              <th>Quality</th>
              <th>Per image</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {perImage.map((price) => (
              <tr key={`${price.model}-${price.size}-${price.quality}`}>
                <td>{label(price.model)}</td>
                <td>{label(price.size).replace("SIZE ", "")}</td>
                <td>{label(price.quality)}</td>
                <td>
                  <Usd value={price.perImage} />
                </td>
                <td>
                  <When value={price.effectiveFrom} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Token prices (USD per million tokens)</h2>
        <table>
          <thead>
            <tr>
              <th>Model</th>
              <th>Text in</th>
              <th>Cached text in</th>
              <th>Image in</th>
              <th>Cached image in</th>
              <th>Image out</th>
              <th>Since</th>
            </tr>
          </thead>
          <tbody>
            {(tokenPrices.data?.tokenPrices ?? []).map((price) => (
              <tr key={price.model}>
                <td>{label(price.model)}</td>
                <td>${price.textInputPerMillion}</td>
                <td>{price.cachedTextInputPerMillion ?? "—"}</td>
                <td>${price.imageInputPerMillion}</td>
                <td>{price.cachedImageInputPerMillion ?? "—"}</td>
                <td>${price.imageOutputPerMillion}</td>
                <td>
                  <When value={price.effectiveFrom} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}

/** A datetime-local value (the browser's zone) as the API's DateTime; "" is now. */
function instantOf(local: string): string | null {
  const value = orNull(local);
  if (value === null) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

function PriceForm({ models, onDone }: { models: string[]; onDone(): void }) {
  const form = useFields({ model: "", size: "SIZE_1024X1024", quality: "STANDARD", perImage: "", effectiveFrom: "" });
  const set = useSubmit(
    SetPriceDocument,
    () => ({
      model: (form.values.model || models[0] || "") as ImageModel,
      size: form.values.size as ImageSize,
      quality: form.values.quality as ImageQuality,
      perImage: form.values.perImage.trim(),
      effectiveFrom: instantOf(form.values.effectiveFrom),
    }),
    onDone,
  );
  return (
    <Form title="Set a per-image price" submission={set} submitLabel="Set price" name="set-price">
      <SelectInput form={form} name="model" label="Model" options={models} errors={set.errors} />
      <SelectInput form={form} name="size" label="Size" options={IMAGE_SIZES} errors={set.errors} />
      <SelectInput form={form} name="quality" label="Quality" options={IMAGE_QUALITIES} errors={set.errors} />
      <TextInput form={form} name="perImage" label="Per image (USD)" placeholder="0.040000" errors={set.errors} />
      <TextInput
        form={form}
        name="effectiveFrom"
        label="From"
        type="datetime-local"
        errors={set.errors}
        hint="Empty: now"
      />
    </Form>
  );
}

function TokenPriceForm({ models, onDone }: { models: string[]; onDone(): void }) {
  const form = useFields({
    model: "",
    textInputPerMillion: "",
    imageInputPerMillion: "",
    imageOutputPerMillion: "",
    cachedTextInputPerMillion: "",
    cachedImageInputPerMillion: "",
    effectiveFrom: "",
  });
  const v = form.values;
  const set = useSubmit(
    SetTokenPriceDocument,
    () => ({
      model: (v.model || models[0] || "") as ImageModel,
      textInputPerMillion: v.textInputPerMillion.trim(),
      imageInputPerMillion: v.imageInputPerMillion.trim(),
      imageOutputPerMillion: v.imageOutputPerMillion.trim(),
      cachedTextInputPerMillion: orNull(v.cachedTextInputPerMillion),
      cachedImageInputPerMillion: orNull(v.cachedImageInputPerMillion),
      effectiveFrom: instantOf(v.effectiveFrom),
    }),
    onDone,
  );
  return (
    <Form title="Set token prices" submission={set} submitLabel="Set token prices" name="set-token-price">
      <SelectInput form={form} name="model" label="Model" options={models} errors={set.errors} />
      <TextInput form={form} name="textInputPerMillion" label="Text in" errors={set.errors} />
      <TextInput
        form={form}
        name="cachedTextInputPerMillion"
        label="Cached text in"
        errors={set.errors}
        hint="Empty: keep"
      />
      <TextInput form={form} name="imageInputPerMillion" label="Image in" errors={set.errors} />
      <TextInput
        form={form}
        name="cachedImageInputPerMillion"
        label="Cached image in"
        errors={set.errors}
        hint="Empty: keep"
      />
      <TextInput form={form} name="imageOutputPerMillion" label="Image out" errors={set.errors} />
      <TextInput
        form={form}
        name="effectiveFrom"
        label="From"
        type="datetime-local"
        errors={set.errors}
        hint="Empty: now"
      />
    </Form>
  );
}
