import {
  createImagegateClient,
  GenerateImageDocument,
  GenerationDocument,
  GrantCreditsDocument,
  ImagegateError,
  MeDocument,
  ModelsDocument,
  type ImagegateClient,
  type ImagegateErrorCode,
} from "@imagegate/sdk";
import type { ErrorCode } from "../../src/domain/errors";
import { startTestServer, type TestServer } from "../support/test-server";

// @imagegate/sdk (sdk/, built to sdk/dist at install) against the real server: typed documents, the client, typed
// errors. Subscriptions and uploads are tested where their server sides are.

// Every code the server's domain answers with is one the SDK's union names (a compile-time check: typecheck fails).
const everyServerCodeTyped: ErrorCode extends ImagegateErrorCode ? true : false = true;

// Compile-time checks of the documents' types (typecheck fails when an expected error is missing); never run.
function _typeChecks(client: ImagegateClient): void {
  // @ts-expect-error GenerateImage needs its input
  void client.request(GenerateImageDocument);
  // @ts-expect-error Money is a decimal string, never a number
  void client.request(GrantCreditsDocument, { userId: "u", amount: 1, reason: "r" });
  // @ts-expect-error a model is one of the enum's values
  void client.request(GenerateImageDocument, { input: { prompt: "p", model: "DALL_E_4" } });
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(); // the built-in local provider
});
afterAll(() => server.close());

const clientFor = (apiKey?: string) => createImagegateClient({ url: `${server.url}/graphql`, apiKey });

async function failure(promise: Promise<unknown>): Promise<ImagegateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ImagegateError)) throw new Error(`expected an ImagegateError, got ${String(error)}`);
  return error;
}

describe("a round trip", () => {
  it("reads me, generates an image, reads it back, and lists models, typed from the documents", async () => {
    expect(everyServerCodeTyped).toBe(true);
    const user = await server.createUser("MEMBER", "1");
    const client = clientFor(user.apiKey);

    const { me } = await client.request(MeDocument);
    expect(me).toMatchObject({ id: user.userId, role: "MEMBER", balance: "1.000000", available: "1.000000" });

    const { generateImage } = await client.request(GenerateImageDocument, {
      input: { prompt: "a lighthouse at dusk", model: "GPT_IMAGE_2", quality: "LOW" },
    });
    expect(generateImage).toMatchObject({ status: "SUCCEEDED", provider: "local", servedModel: "GPT_IMAGE_2", n: 1 });
    const cost: string = generateImage.cost;
    expect(cost).toMatch(/^\d+\.\d{6}$/);
    const image = await fetch(generateImage.images[0]!.url!);
    expect(image.status).toBe(200);
    await image.arrayBuffer();

    const { generation } = await client.request(GenerationDocument, { id: generateImage.id });
    expect(generation?.cost).toBe(cost);
    const after = await client.request(MeDocument, {});
    expect(Number(after.me.balance)).toBeCloseTo(1 - Number(cost), 6);

    const { models } = await client.request(ModelsDocument);
    expect(models.find((model) => model.model === "GPT_IMAGE_2")).toMatchObject({ status: "ACTIVE", enabled: true });
  });
});

describe("typed errors", () => {
  it("INSUFFICIENT_CREDITS, with the request's id", async () => {
    const user = await server.createUser("MEMBER", "0");
    const error = await failure(
      clientFor(user.apiKey).request(
        GenerateImageDocument,
        { input: { prompt: "a boat", model: "GPT_IMAGE_2", quality: "LOW" } },
        { requestId: "sdk-test.insufficient-1" },
      ),
    );
    expect(error.code).toBe("INSUFFICIENT_CREDITS");
    expect(error.is("INSUFFICIENT_CREDITS")).toBe(true);
    expect(error.requestId).toBe("sdk-test.insufficient-1");
    expect(error.extensions.requestId).toBe("sdk-test.insufficient-1");
    expect(error.errors).toHaveLength(1);
    const { me } = await clientFor(user.apiKey).request(MeDocument);
    expect(me.balance).toBe("0.000000");
  });

  it("UNAUTHENTICATED for a wrong key and for none", async () => {
    for (const apiKey of ["igk_not-a-key", undefined]) {
      const error = await failure(clientFor(apiKey).request(MeDocument));
      expect(error.code).toBe("UNAUTHENTICATED");
      expect(error.message).not.toMatch(/at |prisma|SELECT/i);
    }
  });

  it("BAD_USER_INPUT names the field, narrowed by is()", async () => {
    const user = await server.createUser("MEMBER", "1");
    const error = await failure(
      clientFor(user.apiKey).request(GenerateImageDocument, {
        input: { prompt: "a boat", model: "GPT_IMAGE_2", n: 11 },
      }),
    );
    if (!error.is("BAD_USER_INPUT")) throw error;
    expect(error.extensions.field).toBe("input.n");
    expect(error.status).toBe(200);
  });

  it("GRAPHQL_VALIDATION_FAILED for a document the server does not know, with the HTTP status", async () => {
    const user = await server.createUser("MEMBER", "1");
    const stale = { ...MeDocument, definitions: MeDocument.definitions.slice(0, 1) } as typeof MeDocument;
    const error = await failure(clientFor(user.apiKey).request(stale));
    expect(error.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(error.status).toBe(400);
  });

  it("NETWORK_ERROR when nothing answers, HTTP_ERROR when what answers is not GraphQL", async () => {
    const closed = createImagegateClient({ url: "http://127.0.0.1:9/graphql", apiKey: "igk_x" });
    expect((await failure(closed.request(MeDocument))).code).toBe("NETWORK_ERROR");
    const notGraphQL = createImagegateClient({ url: `${server.url}/healthz`, apiKey: "igk_x" });
    const error = await failure(notGraphQL.request(MeDocument));
    expect(error.code).toBe("HTTP_ERROR");
    expect(error.status).toBe(404);
  });
});

describe("uploads (the GraphQL multipart request spec)", () => {
  it("sends the files' places as null, the map and the files, with Apollo-Require-Preflight", async () => {
    let sent: { headers: Headers; body: FormData } | undefined;
    const client = createImagegateClient({
      url: "http://imagegate.invalid/graphql",
      apiKey: "igk_upload",
      fetch: async (_url, init) => {
        sent = { headers: new Headers(init?.headers), body: init?.body as FormData };
        return Response.json({ data: { generateImage: { id: "g1" } } });
      },
    });
    const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: "image/png" });
    const mask = new File([new Uint8Array([1, 2, 3])], "mask.png", { type: "image/png" });
    // Any operation: the client finds Blobs wherever the variables hold them.
    const variables = {
      input: { prompt: "p", images: [{ upload: png }, { generationId: "g0", index: 0 }], mask: { upload: mask } },
    };
    await client.request(GenerateImageDocument, variables as never);
    expect(sent!.headers.get("apollo-require-preflight")).toBe("true");
    expect(sent!.headers.get("authorization")).toBe("Bearer igk_upload");
    expect(sent!.headers.get("content-type")).toBeNull(); // fetch sets multipart/form-data with its boundary
    const operations = JSON.parse(sent!.body.get("operations") as string);
    expect(operations.operationName).toBe("GenerateImage");
    expect(operations.variables).toEqual({
      input: { prompt: "p", images: [{ upload: null }, { generationId: "g0", index: 0 }], mask: { upload: null } },
    });
    expect(JSON.parse(sent!.body.get("map") as string)).toEqual({
      0: ["variables.input.images.0.upload"],
      1: ["variables.input.mask.upload"],
    });
    const first = sent!.body.get("0") as File;
    expect(Buffer.from(await first.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    expect((sent!.body.get("1") as File).name).toBe("mask.png");
  });
});
