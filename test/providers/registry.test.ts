import { CATALOG } from "../../src/domain/catalog";
import { createProviderRegistry } from "../../src/providers/registry";

const base = { timeoutMs: 1_000, maxRetries: 0 };
const specs = Object.values(CATALOG);

describe("provider registry", () => {
  it("serves every model by the provider its catalog entry names when both keys are set", () => {
    const registry = createProviderRegistry({
      ...base,
      openai: { apiKey: "sk-a", baseURL: "http://127.0.0.1:1/v1" },
      stability: { apiKey: "sk-b" },
    });

    const served = specs.map((spec) => [spec.model, registry.forModel(spec.model).name]);

    expect(served).toEqual(specs.map((spec) => [spec.model, spec.provider]));
    expect(new Set(served.map(([, name]) => name))).toEqual(new Set(["openai", "stability"]));
    expect(registry.forModel("GPT_IMAGE_2_6_SUNBURST").name).toBe("openai");
    expect(registry.forModel("GPT_IMAGE_2_6_SUNBURST")).toBe(registry.forModel("DALL_E_2"));
    expect(registry.forModel("STABLE_DIFFUSION_XL").name).toBe("stability");
  });

  it("serves every model locally when no key is configured", () => {
    const registry = createProviderRegistry(base);

    expect(specs).toHaveLength(10);
    for (const spec of specs) expect([spec.model, registry.forModel(spec.model).name]).toEqual([spec.model, "local"]);
  });

  it("configures each provider on its own, the other's models served locally", () => {
    const openaiOnly = createProviderRegistry({ ...base, openai: { apiKey: "sk-a" } });
    const stabilityOnly = createProviderRegistry({ ...base, stability: { apiKey: "sk-b", baseURL: undefined } });

    for (const spec of specs) {
      const openaiExpected = spec.provider === "openai" ? "openai" : "local";
      const stabilityExpected = spec.provider === "stability" ? "stability" : "local";
      expect([spec.model, openaiOnly.forModel(spec.model).name]).toEqual([spec.model, openaiExpected]);
      expect([spec.model, stabilityOnly.forModel(spec.model).name]).toEqual([spec.model, stabilityExpected]);
    }
    expect(openaiOnly.forModel("GPT_IMAGE_2").name).toBe("openai");
    expect(stabilityOnly.forModel("GPT_IMAGE_2").name).toBe("local");
  });
});
