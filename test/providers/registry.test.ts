import { createProviderRegistry } from "../../src/providers/registry";

const base = { timeoutMs: 1_000, maxRetries: 0 };

describe("provider registry", () => {
  it("serves every model locally when no key is configured", () => {
    const registry = createProviderRegistry(base);

    for (const model of ["DALL_E_2", "DALL_E_3", "GPT_IMAGE_1", "GPT_IMAGE_1_MINI", "STABLE_DIFFUSION_XL"] as const) {
      expect(registry.forModel(model).name).toBe("local");
    }
  });

  it("serves OpenAI models from OpenAI and SDXL from Stability when their keys are set", () => {
    const registry = createProviderRegistry({
      ...base,
      openai: { apiKey: "sk-a", baseURL: "http://127.0.0.1:1/v1" },
      stability: { apiKey: "sk-b" },
    });

    expect(registry.forModel("DALL_E_2").name).toBe("openai");
    expect(registry.forModel("DALL_E_3").name).toBe("openai");
    expect(registry.forModel("GPT_IMAGE_1").name).toBe("openai");
    expect(registry.forModel("GPT_IMAGE_1_MINI").name).toBe("openai");
    expect(registry.forModel("STABLE_DIFFUSION_XL").name).toBe("stability");
  });

  it("configures each provider on its own", () => {
    const openaiOnly = createProviderRegistry({ ...base, openai: { apiKey: "sk-a" } });
    const stabilityOnly = createProviderRegistry({ ...base, stability: { apiKey: "sk-b", baseURL: undefined } });

    expect(openaiOnly.forModel("DALL_E_3").name).toBe("openai");
    expect(openaiOnly.forModel("STABLE_DIFFUSION_XL").name).toBe("local");
    expect(stabilityOnly.forModel("DALL_E_3").name).toBe("local");
    expect(stabilityOnly.forModel("STABLE_DIFFUSION_XL").name).toBe("stability");
  });
});
