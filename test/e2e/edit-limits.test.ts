import http from "node:http";
import { EditImageDocument, type EditImageInput } from "../generated/graphql";
import { maskPng, sourceImage } from "../support/edit-images";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { errorOf } from "../support/graphql-client";
import { executeUpload, type UploadFile } from "../support/multipart-client";

// The provider's byte limits on an edit's sources (OpenAI: an image under 50 MB, a mask under 4 MB) and the bounds on
// the multipart body itself, with the default EDIT_MAX_TOTAL_BYTES (64 MiB): each refused before anything is held.

const MiB = 1024 * 1024;

let env: TestEnvironment;
let user: { userId: string; apiKey: string };

beforeAll(async () => {
  env = await startEnvironment();
  user = await env.server.createUser("MEMBER", "100");
});
afterAll(() => env.close());

/** A valid image's bytes, then padding after its end: its type and size are read, its length is what counts. */
const padded = (image: Buffer, length: number) => Buffer.concat([image, Buffer.alloc(length - image.length)]);
const file = (path: string, bytes: Buffer): UploadFile => ({
  path,
  bytes,
  fileName: "x.png",
  contentType: "image/png",
});

async function refusedBeforeHold(input: EditImageInput, files: UploadFile[], field: string): Promise<void> {
  const before = await accountOf(env.server, user.userId);
  const { body } = await executeUpload(env.server.url, EditImageDocument, { input }, files, { apiKey: user.apiKey });
  expect(errorOf(body)).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field } });
  expect(env.openai.edits).toHaveLength(0);
  expect(await accountOf(env.server, user.userId)).toEqual(before);
}

it("refuses an image of 50 MB", async () => {
  await refusedBeforeHold(
    { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }] },
    [file("input.images.0.upload", padded(sourceImage("png", 32, 32), 50 * MiB + 16))],
    "input.images[0]",
  );
});

it("refuses a mask of 4 MB", async () => {
  await refusedBeforeHold(
    { prompt: "x", model: "GPT_IMAGE_2", images: [{ upload: null }], mask: { upload: null } },
    [
      file("input.images.0.upload", sourceImage("png", 32, 32)),
      file("input.mask.upload", padded(maskPng(32, 32), 4 * MiB + 16)),
    ],
    "input.mask",
  );
});

/** A multipart POST with the headers given, its body written as `body`; the status the server answers. */
function postMultipart(headers: Record<string, string | number>, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${env.server.url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "multipart/form-data; boundary=x",
        "apollo-require-preflight": "true",
        authorization: `Bearer ${user.apiKey}`,
        ...headers,
      },
    });
    request.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    // The server may answer and close before the body is written: the status is what is checked.
    request.on("error", reject);
    request.end(body);
  });
}

it("answers 411 to a multipart request without a Content-Length", async () => {
  expect(await postMultipart({ "transfer-encoding": "chunked" }, Buffer.from("--x--\r\n"))).toBe(411);
});

it("answers 413 to a multipart body declared past the cap, reading none of it", async () => {
  const body = Buffer.from("--x--\r\n");
  expect(await postMultipart({ "content-length": 200 * MiB }, body)).toBe(413);
});
