import { createHash } from "node:crypto";
import { createOpenAIProvider } from "../../src/providers/openai";
import { createLocalProvider } from "../../src/providers/local";
import type { ProviderEditRequest } from "../../src/domain/generation/image-provider";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { pngSize } from "../fakes/png";
import { maskPng, sourceImage } from "../support/edit-images";
import { failureOf, imageRequest } from "./requests";

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const provider = () =>
  createOpenAIProvider({ apiKey: fake.apiKey, baseURL: fake.baseURL, timeoutMs: 5_000, maxRetries: 0 });
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

function editRequest(overrides: Partial<ProviderEditRequest> = {}): ProviderEditRequest {
  return {
    ...imageRequest({ model: "GPT_IMAGE_2", quality: "MEDIUM" }),
    images: [{ bytes: sourceImage("png", 64, 64), contentType: "image/png", fileName: "image-0.png" }],
    ...overrides,
  };
}

describe("OpenAI edits over multipart", () => {
  it("sends every image as image[], the mask and input_fidelity, and reads the usage", async () => {
    const first = sourceImage("png", 64, 64, "a");
    const second = sourceImage("jpeg", 48, 32, "b");
    const mask = maskPng(64, 64);
    const result = await provider().edit(
      editRequest({
        images: [
          { bytes: first, contentType: "image/png", fileName: "image-0.png" },
          { bytes: second, contentType: "image/jpeg", fileName: "image-1.jpg" },
        ],
        mask: { bytes: mask, contentType: "image/png", fileName: "mask.png" },
        inputFidelity: "HIGH",
        outputFormat: "WEBP",
        outputCompression: 80,
        width: 1536,
        height: 1024,
      }),
    );

    expect(fake.edits).toHaveLength(1);
    const [edit] = fake.edits;
    expect(edit!.fields).toEqual({
      model: "gpt-image-2",
      prompt: "a lighthouse on a cliff at dusk",
      n: "1",
      size: "1536x1024",
      user: "0123456789abcdef0123456789abcdef",
      quality: "medium",
      output_format: "webp",
      output_compression: "80",
      input_fidelity: "high",
    });
    expect(edit!.images.map((file) => [file.field, file.fileName, file.contentType, file.sha256])).toEqual([
      ["image[]", "image-0.png", "image/png", sha256(first)],
      ["image[]", "image-1.jpg", "image/jpeg", sha256(second)],
    ]);
    expect(edit!.mask).toMatchObject({ field: "mask", format: "png", alpha: true, width: 64, height: 64 });
    expect(edit!.mask!.sha256).toBe(sha256(mask));
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.contentType).toBe("image/webp");
    // The fake's default: 194 image tokens per image, and with high fidelity 4160 (square) or 6240 (not) more.
    expect(result.usage?.inputImageTokens).toBe(194 + 4160 + 194 + 6240);
  });

  it("refuses what OpenAI refuses: input_fidelity on gpt-image-1-mini", async () => {
    const failure = await failureOf(
      provider().edit(
        editRequest({
          ...imageRequest({ model: "GPT_IMAGE_1_MINI" }),
          images: editRequest().images,
          inputFidelity: "LOW",
        }),
      ),
    );
    expect(failure.message).toContain("images.edit failed: HTTP 400");
    expect(failure.message).toContain("param input_fidelity");
    expect(failure.retryable).toBe(false);
  });

  it("local provider: a placeholder of the size asked, differing with the sources", async () => {
    const local = createLocalProvider();
    const one = await local.edit(editRequest({ width: 1024, height: 1536 }));
    const other = await local.edit(
      editRequest({
        images: [{ bytes: sourceImage("png", 64, 64, "other"), contentType: "image/png", fileName: "x.png" }],
      }),
    );
    expect(pngSize(one.images[0]!.bytes)).toEqual({ width: 1024, height: 1536 });
    expect(one.images[0]!.bytes.equals(other.images[0]!.bytes)).toBe(false);
    expect(one.usage).toBeUndefined();
  });
});
