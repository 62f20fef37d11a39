// The forms that add prices: per image, and per million tokens; each from a moment (now when left empty).
import {
  SetPriceDocument,
  SetTokenPriceDocument,
  type ImageModel,
  type ImageQuality,
  type ImageSize,
} from "../../api/client";
import { IMAGE_QUALITIES, IMAGE_SIZES } from "../../api/enums";
import { orNull, useFields, useSubmit } from "../../app/hooks";
import { SelectInput, TextInput } from "../../components/inputs";
import { Form } from "../../components/ui";

/** A datetime-local value (the browser's zone) as the API's DateTime; "" is now. */
function instantOf(local: string): string | null {
  const value = orNull(local);
  if (value === null) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? value : at.toISOString();
}

export function PriceForm({ models, onDone }: { models: string[]; onDone(): void }) {
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

export function TokenPriceForm({ models, onDone }: { models: string[]; onDone(): void }) {
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
