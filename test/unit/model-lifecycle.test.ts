import { CATALOG } from "../../src/domain/catalog";
import { ImageModel, ImageQuality } from "../../src/domain/enums";
import { resolveRequest } from "../../src/domain/generation/resolve-request";
import {
  deprecationReason,
  servingModel,
  stateOf,
  type ModelFacts,
  type ModelRoute,
} from "../../src/domain/models/model-lifecycle";
import { mapToServingModel, nearestQuality } from "../../src/domain/models/route-mapping";
import { loadSettings } from "../../src/config";

const NOW = new Date("2026-12-03T12:00:00Z");

function facts(routes: ModelRoute[] = [], announced: Array<[ImageModel, string]> = []): ModelFacts {
  return {
    routes: new Map(routes.map((route) => [route.model, route])),
    announcedShutdowns: new Map(announced),
  };
}

describe("a model's status", () => {
  it("is SHUT_DOWN from the first moment (UTC) of its shutdown date, DEPRECATED before, ACTIVE without one", () => {
    expect(stateOf("GPT_IMAGE_1_MINI", facts(), new Date("2026-11-30T23:59:59Z")).status).toBe("DEPRECATED");
    expect(stateOf("GPT_IMAGE_1_MINI", facts(), new Date("2026-12-01T00:00:00Z")).status).toBe("SHUT_DOWN");
    expect(stateOf("GPT_IMAGE_2", facts(), NOW)).toMatchObject({ status: "ACTIVE", shutdownDate: null, enabled: true });
  });

  it("takes a date the provider announced over the catalog's, brought forward or postponed", () => {
    const announced = facts(
      [],
      [
        ["GPT_IMAGE_2", "2027-02-01"],
        ["GPT_IMAGE_1_MINI", "2027-01-15"],
      ],
    );
    expect(stateOf("GPT_IMAGE_2", announced, NOW)).toMatchObject({ status: "DEPRECATED", shutdownDate: "2027-02-01" });
    expect(stateOf("GPT_IMAGE_1_MINI", announced, NOW)).toMatchObject({ status: "DEPRECATED", enabled: true });
  });
});

describe("which model serves a request", () => {
  it("refuses a shut-down model without a route, and serves active ones as themselves", () => {
    expect(servingModel("DALL_E_3", facts(), NOW)).toBeNull();
    expect(servingModel("GPT_IMAGE_2", facts(), NOW)).toBe("GPT_IMAGE_2");
  });

  it("follows a route, enables a retired model as itself, and refuses a disabled one", () => {
    const routes = facts([
      { model: "DALL_E_3", servedBy: "GPT_IMAGE_2", enabled: true },
      { model: "GPT_IMAGE_1", servedBy: null, enabled: true },
      { model: "GPT_IMAGE_2_5_FLARE", servedBy: null, enabled: false },
    ]);
    expect(servingModel("DALL_E_3", routes, NOW)).toBe("GPT_IMAGE_2");
    expect(servingModel("GPT_IMAGE_1", routes, NOW)).toBe("GPT_IMAGE_1");
    expect(servingModel("GPT_IMAGE_2_5_FLARE", routes, NOW)).toBeNull();
  });

  it("refuses a route whose target is no longer served as itself (routes do not chain)", () => {
    const routes = facts([
      { model: "DALL_E_2", servedBy: "GPT_IMAGE_2", enabled: true },
      { model: "GPT_IMAGE_2", servedBy: null, enabled: false },
    ]);
    expect(servingModel("DALL_E_2", routes, NOW)).toBeNull();
  });
});

describe("mapping a request to the model that serves it", () => {
  it.each([
    ["STANDARD", "MEDIUM"],
    ["LOW", "LOW"],
    ["HD", "HIGH"],
    ["MEDIUM", "MEDIUM"],
  ] as const)("DALL-E's %s becomes GPT_IMAGE_2's %s", (quality, expected) => {
    expect(nearestQuality(quality, CATALOG.GPT_IMAGE_2)).toBe(expected);
  });

  it("keeps the quality vocabulary's middle for a model with one quality", () => {
    expect(nearestQuality(ImageQuality.HIGH, CATALOG.STABLE_DIFFUSION_XL)).toBe("STANDARD");
  });

  it.each([
    ["DALL_E_3", "SIZE_1024X1024", "SIZE_1024X1024"],
    ["DALL_E_3", "SIZE_1792X1024", "SIZE_2048X1152"],
    ["DALL_E_3", "SIZE_1024X1792", "SIZE_1152X2048"],
    ["DALL_E_2", "SIZE_256X256", "SIZE_1024X1024"],
  ] as const)("%s's %s becomes GPT_IMAGE_2's %s, the nearest in shape then area", (model, size, expected) => {
    const mapped = mapToServingModel(resolveRequest({ prompt: "x", size }, model), "GPT_IMAGE_2");
    expect(resolveRequest(mapped, "GPT_IMAGE_2", model).size).toBe(expected);
  });

  it("maps DALL-E 3's defaults (STANDARD, VIVID) to the target's middle quality and no style", () => {
    const mapped = mapToServingModel(resolveRequest({ prompt: "x" }, "DALL_E_3"), "GPT_IMAGE_2");
    expect(resolveRequest(mapped, "GPT_IMAGE_2", "DALL_E_3")).toMatchObject({
      quality: "MEDIUM",
      style: null,
      model: "GPT_IMAGE_2",
      requestedModel: "DALL_E_3",
    });
  });

  it("keeps a caller's width and height for a target with flexible sizes, else takes the nearest enum size", () => {
    const custom = resolveRequest({ prompt: "x", width: 1792, height: 1024, outputFormat: "WEBP" }, "GPT_IMAGE_2");
    expect(resolveRequest(mapToServingModel(custom, "GPT_IMAGE_2_6_FLARE"), "GPT_IMAGE_2_6_FLARE")).toMatchObject({
      size: "CUSTOM",
      width: 1792,
      height: 1024,
      outputFormat: "WEBP",
    });
    expect(resolveRequest(mapToServingModel(custom, "STABLE_DIFFUSION_XL"), "STABLE_DIFFUSION_XL")).toMatchObject({
      size: "SIZE_1024X1024",
      outputFormat: null,
      quality: "STANDARD",
    });
  });
});

describe("the catalog as the one place", () => {
  it("gives every shut-down model a deprecation naming its date and replacement, and no other model one", () => {
    for (const spec of Object.values(CATALOG)) {
      const reason = deprecationReason(spec.model);
      if (spec.lifecycle.shutdownDate === null) expect(reason).toBeUndefined();
      else
        expect(reason).toBe(
          `${spec.upstreamId}: shut down upstream on ${spec.lifecycle.shutdownDate}; use ${spec.lifecycle.replacement}`,
        );
    }
  });

  it("names replacements that are served, and upstream ids that are unique per provider", () => {
    for (const spec of Object.values(CATALOG)) {
      const replacement = spec.lifecycle.replacement;
      if (replacement !== null) expect(CATALOG[replacement].lifecycle.shutdownDate).toBeNull();
    }
    const ids = Object.values(CATALOG).map((spec) => `${spec.provider}:${spec.upstreamId}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("defaults DEFAULT_IMAGE_MODEL to GPT_IMAGE_2, a model that is served", () => {
    const settings = loadSettings({});
    expect(settings.defaultImageModel).toBe(ImageModel.GPT_IMAGE_2);
    expect(servingModel(settings.defaultImageModel, facts(), NOW)).toBe("GPT_IMAGE_2");
  });
});
