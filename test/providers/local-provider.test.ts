import { createLocalProvider } from "../../src/providers/local";
import { pngSize } from "../fakes/png";
import { imageRequest } from "./requests";

describe("local provider", () => {
  it.each([
    [256, 256],
    [512, 512],
    [1024, 1024],
    [1792, 1024],
    [1024, 1792],
    [1536, 1024],
    [1024, 1536],
  ])("renders PNGs of exactly %ix%i", async (width, height) => {
    const result = await createLocalProvider().generate(imageRequest({ model: "DALL_E_2", width, height, n: 2 }));

    expect(result.images).toHaveLength(2);
    for (const image of result.images) {
      expect(pngSize(image.bytes)).toEqual({ width, height });
      expect(image.contentType).toBe("image/png");
    }
    expect(result.usage).toBeUndefined();
  });

  it("renders different images for different indexes and prompts, the same for the same request", async () => {
    const local = createLocalProvider();
    const first = await local.generate(imageRequest({ model: "GPT_IMAGE_1", n: 3, prompt: "a red fox" }));
    const other = await local.generate(imageRequest({ model: "GPT_IMAGE_1", n: 1, prompt: "a blue whale" }));
    const again = await local.generate(imageRequest({ model: "GPT_IMAGE_1", n: 1, prompt: "a red fox" }));

    const encoded = [...first.images, ...other.images].map((image) => image.bytes.toString("base64"));
    expect(new Set(encoded).size).toBe(4);
    expect(again.images[0]?.bytes.equals(first.images[0]!.bytes)).toBe(true);
  });
});
