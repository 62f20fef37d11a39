import { CATALOG, sizeDimensions } from "../../src/domain/catalog";
import { resolveRequest as resolveAs, type GenerationRequestInput } from "../../src/domain/generation/resolve-request";
import { DomainError } from "../../src/domain/errors";
import { ImageModel, ImageQuality, ImageSize, type ImageStyle } from "../../src/domain/enums";

/** Checked as the model the input names (served as itself), else the given default. */
const resolveRequest = (input: GenerationRequestInput, defaultModel: ImageModel) =>
  resolveAs(input, input.model ?? defaultModel);

function fieldOf(attempt: () => unknown): string | undefined {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe("BAD_USER_INPUT");
    return (error as DomainError).details.field as string;
  }
  throw new Error("expected BAD_USER_INPUT");
}

describe("resolveRequest defaults", () => {
  it("uses the default model, 1024x1024, the cheapest quality and VIVID for DALL-E 3", () => {
    const request = resolveRequest({ prompt: "a cat" }, ImageModel.DALL_E_3);
    expect(request).toMatchObject({
      model: "DALL_E_3",
      n: 1,
      size: "SIZE_1024X1024",
      quality: "STANDARD",
      style: "VIVID",
    });
    expect(request.responseFormat).toBe("URL");
  });

  it("defaults GPT image quality to LOW and leaves style empty", () => {
    const request = resolveRequest({ prompt: "a cat", model: ImageModel.GPT_IMAGE_1 }, ImageModel.DALL_E_3);
    expect(request.quality).toBe("LOW");
    expect(request.style).toBeNull();
  });
});

describe("rules per model", () => {
  const allSizes = Object.values(ImageSize);
  const allQualities = Object.values(ImageQuality);

  it.each(Object.values(CATALOG).map((spec) => [spec.model, spec] as const))(
    "%s: sizes and qualities",
    (model, spec) => {
      for (const size of allSizes.filter((size) => size !== ImageSize.CUSTOM)) {
        const attempt = () => resolveRequest({ prompt: "x", model, size }, ImageModel.DALL_E_3);
        if (spec.sizes.includes(size)) expect(attempt().size).toBe(size);
        else expect(fieldOf(attempt)).toBe("input.size");
      }
      for (const quality of allQualities) {
        const attempt = () => resolveRequest({ prompt: "x", model, quality }, ImageModel.DALL_E_3);
        if (spec.qualities.includes(quality)) expect(attempt().quality).toBe(quality);
        else expect(fieldOf(attempt)).toBe("input.quality");
      }
    },
  );

  it.each(Object.values(CATALOG).map((spec) => [spec.model, spec] as const))(
    "%s: n and prompt length",
    (model, spec) => {
      expect(resolveRequest({ prompt: "x", model, n: spec.maxN }, ImageModel.DALL_E_3).n).toBe(spec.maxN);
      expect(fieldOf(() => resolveRequest({ prompt: "x", model, n: spec.maxN + 1 }, ImageModel.DALL_E_3))).toBe(
        "input.n",
      );
      expect(fieldOf(() => resolveRequest({ prompt: "x", model, n: 0 }, ImageModel.DALL_E_3))).toBe("input.n");
      const longest = "a".repeat(spec.maxPromptLength);
      expect(resolveRequest({ prompt: longest, model }, ImageModel.DALL_E_3).prompt).toBe(longest);
      expect(fieldOf(() => resolveRequest({ prompt: `${longest}a`, model }, ImageModel.DALL_E_3))).toBe("input.prompt");
    },
  );

  it("counts prompt length in characters, not UTF-16 units", () => {
    const emoji = "🎨".repeat(1000); // 2000 UTF-16 units, 1000 characters
    expect(resolveRequest({ prompt: emoji, model: ImageModel.DALL_E_2 }, ImageModel.DALL_E_3).prompt).toBe(emoji);
  });

  it("accepts a style only for DALL-E 3", () => {
    for (const spec of Object.values(CATALOG)) {
      const attempt = () =>
        resolveRequest({ prompt: "x", model: spec.model, style: "NATURAL" as ImageStyle }, ImageModel.DALL_E_3);
      if (spec.model === "DALL_E_3") expect(attempt().style).toBe("NATURAL");
      else expect(fieldOf(attempt)).toBe("input.style");
    }
  });

  it("accepts moderation only for GPT image models", () => {
    for (const spec of Object.values(CATALOG)) {
      const attempt = () => resolveRequest({ prompt: "x", model: spec.model, moderation: "LOW" }, ImageModel.DALL_E_3);
      if (spec.supportsModeration) expect(attempt().moderation).toBe("LOW");
      else expect(fieldOf(attempt)).toBe("input.moderation");
    }
    expect(CATALOG.GPT_IMAGE_1.supportsModeration && CATALOG.GPT_IMAGE_1_MINI.supportsModeration).toBe(true);
  });

  it("rejects an empty prompt and an oversized idempotency key", () => {
    expect(fieldOf(() => resolveRequest({ prompt: "   " }, ImageModel.DALL_E_3))).toBe("input.prompt");
    expect(fieldOf(() => resolveRequest({ prompt: "x", idempotencyKey: "k".repeat(201) }, ImageModel.DALL_E_3))).toBe(
      "input.idempotencyKey",
    );
  });
});

describe("sizeDimensions", () => {
  it("reads width and height from the enum", () => {
    expect(sizeDimensions(ImageSize.SIZE_1792X1024)).toEqual({ width: 1792, height: 1024 });
    expect(sizeDimensions(ImageSize.SIZE_256X256)).toEqual({ width: 256, height: 256 });
  });
});
