import { createHash } from "node:crypto";
import {
  EditImageDocument,
  GenerateImageDocument,
  GenerationSourcesDocument,
  StartImageEditDocument,
  type EditImageInput,
} from "../generated/graphql";
import { sourceImage, maskPng, opaquePng } from "../support/edit-images";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";
import { executeUpload, type UploadFile } from "../support/multipart-client";

// editImage and startImageEdit against the real server, PostgreSQL and the fake OpenAI's /v1/images/edits, driven
// as a browser would: GraphQL multipart requests for uploads, JSON for references to stored images.

let env: TestEnvironment;
let user: { userId: string; apiKey: string };
let other: { userId: string; apiKey: string };
/** A stored GPT_IMAGE_2 image of each user: 1024x1024 PNG. */
let mine: string;
let theirs: string;

const TOTAL_BYTES = 400_000;

beforeAll(async () => {
  env = await startEnvironment({ EDIT_MAX_TOTAL_BYTES: String(TOTAL_BYTES) });
  user = await env.server.createUser("MEMBER", "100");
  other = await env.server.createUser("MEMBER", "100");
  const generate = (apiKey: string) =>
    env.server.graphql(GenerateImageDocument, { input: { prompt: "a cat", model: "GPT_IMAGE_2" } }, apiKey);
  mine = dataOf(await generate(user.apiKey)).generateImage.id;
  theirs = dataOf(await generate(other.apiKey)).generateImage.id;
});
afterAll(() => env.close());
beforeEach(() => env.openai.reset());

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const png = (bytes: Buffer, path: string, fileName = "a.png"): UploadFile => ({
  path,
  bytes,
  fileName,
  contentType: "image/png",
});
const edit = (input: EditImageInput, files: UploadFile[], apiKey = user.apiKey) =>
  executeUpload(env.server.url, EditImageDocument, { input }, files, { apiKey });
const generationCount = (userId: string) => env.server.db.imageGeneration.count({ where: { userId } });

describe("an edit from an upload", () => {
  it("sends the image and mask as multipart, holds the worst case, charges the usage, records the sources", async () => {
    const image = sourceImage("png", 64, 64, "upload");
    const mask = maskPng(64, 64);
    const before = await accountOf(env.server, user.userId);
    const { status, body } = await edit(
      {
        prompt: "add a red hat",
        model: "GPT_IMAGE_2",
        images: [{ upload: null }],
        mask: { upload: null },
        inputFidelity: "HIGH",
      },
      [png(image, "input.images.0.upload", "photo.png"), png(mask, "input.mask.upload", "mask.png")],
    );
    expect(status).toBe(200);
    const result = dataOf(body).editImage;
    expect(result.status).toBe("SUCCEEDED");

    // What the fake received: the parts as sent, nothing else.
    expect(env.openai.edits).toHaveLength(1);
    const [received] = env.openai.edits;
    expect(received!.fields).toMatchObject({
      model: "gpt-image-2",
      prompt: "add a red hat",
      n: "1",
      size: "1024x1024",
      quality: "low",
      input_fidelity: "high",
    });
    expect(received!.images.map((file) => [file.field, file.contentType, file.sha256])).toEqual([
      ["image[]", "image/png", sha256(image)],
    ]);
    expect(received!.mask).toMatchObject({ sha256: sha256(mask), alpha: true, width: 64, height: 64 });

    // Held: the per-image price (0.015880), the prompt's 13 bytes at $5/M (65), and per source image (64x64: one
    // tile) 65 + 129 + 4160 (high fidelity, square) + 64 tokens at $8/M: 2 x 4418 x 8 = 70,688.
    const stored = await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id: result.id } });
    expect(stored.holdMicros).toBe(15_880n + 65n + 70_688n);
    // Charged the usage the fake reported: 4 text tokens x 5, 194 + 4160 image tokens x 8, 272 output tokens x 30.
    expect(result.usage).toEqual({ textInputTokens: 4, imageInputTokens: 4354, outputTokens: 272 });
    expect(result.cost).toBe("0.043012");
    expect(result.shortfall).toBe("0.000000");
    expect(stored.inputFidelity).toBe("HIGH");
    const after = await accountOf(env.server, user.userId);
    expect(after).toEqual({ ...before, balanceMicros: before.balanceMicros - 43_012n });

    expect(result.sources).toEqual([
      {
        role: "IMAGE",
        position: 0,
        index: null,
        contentType: "image/png",
        sha256: sha256(image),
        sizeBytes: image.length,
        width: 64,
        height: 64,
        generation: null,
      },
      {
        role: "MASK",
        position: 0,
        index: null,
        contentType: "image/png",
        sha256: sha256(mask),
        sizeBytes: mask.length,
        width: 64,
        height: 64,
        generation: null,
      },
    ]);
    // The lineage is queryable later too.
    const again = dataOf(await env.server.graphql(GenerationSourcesDocument, { id: result.id }, user.apiKey));
    expect(again.generation?.sources).toEqual(result.sources);
  });
});

describe("an edit from a stored image", () => {
  it("reads the caller's own image through storage and records its generation and index", async () => {
    const storedImage = Buffer.from(await (await fetch(`${env.server.url}/images/${mine}/0.png`)).arrayBuffer());
    const response = await env.server.graphql(
      EditImageDocument,
      { input: { prompt: "make it night", model: "GPT_IMAGE_2", images: [{ generationId: mine, index: 0 }] } },
      user.apiKey,
    );
    const result = dataOf(response).editImage;
    expect(result.status).toBe("SUCCEEDED");
    expect(env.openai.edits[0]!.images.map((file) => [file.sha256, file.width, file.height])).toEqual([
      [sha256(storedImage), 1024, 1024],
    ]);
    expect(env.openai.edits[0]!.fields.input_fidelity).toBeUndefined();
    expect(result.sources).toEqual([
      expect.objectContaining({ role: "IMAGE", index: 0, generation: { id: mine }, sha256: sha256(storedImage) }),
    ]);
    // 1024x1024 scales to 512x512, one tile; the GPT_IMAGE_2 family is held at high fidelity whatever is asked.
    const stored = await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id: result.id } });
    expect(stored.holdMicros).toBe(15_880n + 13n * 5n + 4418n * 8n);
  });

  it("startImageEdit answers PENDING once held; the edit finishes on the server", async () => {
    const response = await env.server.graphql(
      StartImageEditDocument,
      { input: { prompt: "in winter", model: "GPT_IMAGE_2", images: [{ generationId: mine }] } },
      user.apiKey,
    );
    const started = dataOf(response).startImageEdit;
    expect(started.status).toBe("PENDING");
    let current = started;
    while (current.status === "PENDING") {
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = dataOf(
        await env.server.graphql(GenerationSourcesDocument, { id: started.id }, user.apiKey),
      ).generation!;
    }
    expect(current.status).toBe("SUCCEEDED");
    expect(current.sources).toEqual([expect.objectContaining({ generation: { id: mine }, index: 0 })]);
    expect(env.openai.edits).toHaveLength(1);
  });
});

describe("the edit rules, each refused before anything is held", () => {
  const upload0 = (bytes: Buffer, type = "image/png") => ({
    path: "input.images.0.upload",
    bytes,
    fileName: "x",
    contentType: type,
  });
  const cases: Array<[string, () => { input: EditImageInput; files: UploadFile[]; apiKey?: string }, string]> = [
    [
      "a model without edits",
      () => ({ input: { prompt: "x", model: "DALL_E_3", images: [{ generationId: mine }] }, files: [] }),
      "input.model",
    ],
    ["no image", () => ({ input: { prompt: "x", model: "GPT_IMAGE_2", images: [] }, files: [] }), "input.images"],
    [
      "17 images",
      () => ({
        input: {
          prompt: "x",
          model: "GPT_IMAGE_2",
          images: Array.from({ length: 17 }, () => ({ generationId: mine })),
        },
        files: [],
      }),
      "input.images",
    ],
    [
      "both an upload and a generation",
      () => ({
        input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null, generationId: mine }] },
        files: [upload0(sourceImage("png", 32, 32))],
      }),
      "input.images[0]",
    ],
    [
      "neither an upload nor a generation",
      () => ({ input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ index: 0 }] }, files: [] }),
      "input.images[0]",
    ],
    [
      "inputFidelity on a model without it",
      () => ({
        input: { prompt: "x", model: "GPT_IMAGE_1_MINI", images: [{ generationId: mine }], inputFidelity: "LOW" },
        files: [],
      }),
      "input.inputFidelity",
    ],
    [
      "an upload that is no image",
      () => ({
        input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }] },
        files: [upload0(Buffer.from("<html>not an image</html>"), "image/png")],
      }),
      "input.images[0]",
    ],
    [
      "uploads past EDIT_MAX_TOTAL_BYTES",
      () => ({
        input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }] },
        files: [upload0(Buffer.concat([sourceImage("png", 32, 32), Buffer.alloc(TOTAL_BYTES)]))],
      }),
      "input.images[0]",
    ],
    [
      "a mask that is a JPEG",
      () => ({
        input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }], mask: { upload: null } },
        files: [
          upload0(sourceImage("png", 32, 32)),
          {
            path: "input.mask.upload",
            bytes: sourceImage("jpeg", 32, 32),
            fileName: "m.jpg",
            contentType: "image/jpeg",
          },
        ],
      }),
      "input.mask",
    ],
    [
      "a mask without an alpha channel",
      () => ({
        input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }], mask: { upload: null } },
        files: [upload0(sourceImage("png", 32, 32)), png(opaquePng(32, 32), "input.mask.upload")],
      }),
      "input.mask",
    ],
    [
      "a mask of another size than the first image",
      () => ({
        input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }], mask: { upload: null } },
        files: [upload0(sourceImage("png", 32, 32)), png(maskPng(32, 48), "input.mask.upload")],
      }),
      "input.mask",
    ],
    [
      "another user's stored image",
      () => ({ input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ generationId: theirs }] }, files: [] }),
      "input.images[0].generationId",
    ],
    [
      "an index the generation does not have",
      () => ({ input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ generationId: mine, index: 1 }] }, files: [] }),
      "input.images[0].generationId",
    ],
  ];

  it.each(cases)("%s: BAD_USER_INPUT naming the field, nothing held or sent", async (_name, make, field) => {
    const { input, files } = make();
    const before = await accountOf(env.server, user.userId);
    const generations = await generationCount(user.userId);
    const { body } = await edit(input, files);
    const error = errorOf(body);
    expect(error.code).toBe("BAD_USER_INPUT");
    expect(error.extensions?.field).toBe(field);
    expect(env.openai.edits).toHaveLength(0);
    expect(await accountOf(env.server, user.userId)).toEqual(before);
    expect(before.reservedMicros).toBe(0n);
    expect(await generationCount(user.userId)).toBe(generations);
  });
});

describe("CSRF", () => {
  it("refuses a multipart request without a preflight header, reading no file", async () => {
    const generations = await generationCount(user.userId);
    const { status, body } = await executeUpload(
      env.server.url,
      EditImageDocument,
      { input: { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }] } },
      [png(sourceImage("png", 32, 32), "input.images.0.upload")],
      { apiKey: user.apiKey, preflight: false },
    );
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("Cross-Site Request Forgery");
    expect(env.openai.edits).toHaveLength(0);
    expect(await generationCount(user.userId)).toBe(generations);
  });
});
