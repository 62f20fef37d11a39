import { createOpenAIProvider, type OpenAIProviderOptions } from "../../src/providers/openai";
import { renderPlaceholderPng } from "../../src/providers/placeholder-png";
import { startBystander, type Bystander } from "../fakes/bystander";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { pngSize } from "../fakes/png";
import { failureOf, imageRequest } from "./requests";

// A misbehaving OpenAI-compatible upstream, driven through the real SDK: what its answers may make us fetch, read,
// keep and repeat.

let fake: FakeOpenAI;
let bystander: Bystander;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  bystander = await startBystander();
});
afterAll(async () => {
  await fake.close();
  await bystander.close();
});
beforeEach(() => {
  fake.reset();
  bystander.requests.length = 0;
});

function provider(overrides: Partial<OpenAIProviderOptions> = {}) {
  return createOpenAIProvider({
    apiKey: fake.apiKey,
    baseURL: fake.baseURL,
    timeoutMs: 5_000,
    maxRetries: 2,
    fetchImageTimeoutMs: 10_000,
    ...overrides,
  });
}

const SMALL = { model: "DALL_E_2", width: 256, height: 256 } as const;
const HTML = Buffer.from("<!doctype html><html><body>imagegate admin</body></html>");

describe("image URLs in an answer", () => {
  it("are fetched from the base URL's own host", async () => {
    const url = fake.putFile("own", { kind: "bytes", bytes: renderPlaceholderPng(256, 256, "own"), contentType: "x" });
    fake.script({ kind: "ok", format: "url", urls: [url] });

    const result = await provider().generate(imageRequest(SMALL));

    expect(pngSize(result.images[0]!.bytes)).toEqual({ width: 256, height: 256 });
    expect(result.images[0]?.contentType).toBe("image/png");
  });

  it("are refused on another port of a loopback address, which is never connected to", async () => {
    fake.script({ kind: "ok", format: "url", urls: [`${bystander.origin}/latest/meta-data/iam/security-credentials`] });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toContain("not one of its hosts");
    expect(bystander.requests).toHaveLength(0);
  });

  it("are refused when they redirect to a loopback address", async () => {
    const url = fake.putFile("hop", { kind: "redirect", location: `${bystander.origin}/healthz` });
    fake.script({ kind: "ok", format: "url", urls: [url] });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toContain("redirect");
    expect(bystander.requests).toHaveLength(0);
  });

  it("are refused when they redirect, even to the base URL's host, if that host is not a public address", async () => {
    const target = fake.putFile("png", { kind: "bytes", bytes: renderPlaceholderPng(256, 256, "t"), contentType: "x" });
    const url = fake.putFile("hop", { kind: "redirect", location: target, status: 307 });
    fake.script({ kind: "ok", format: "url", urls: [url] });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(fake.fileRequests().map((request) => request.path)).toEqual(["/files/hop"]);
  });

  it("are refused when what they serve is not a PNG, JPEG or WEBP image", async () => {
    const url = fake.putFile("page", { kind: "bytes", bytes: HTML, contentType: "image/png" });
    fake.script({ kind: "ok", format: "url", urls: [url] });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toContain("not a PNG, JPEG or WEBP image");
  });

  it("stop being read at the image cap when the download has no length and never ends", async () => {
    let closed!: (bytesWritten: number) => void;
    const hungUp = new Promise<number>((resolve) => (closed = resolve));
    const url = fake.putFile("endless", { kind: "endless", onClose: (bytes) => closed(bytes) });
    fake.script({ kind: "ok", format: "url", urls: [url] });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toMatch(/larger than \d+ bytes/);
    await hungUp; // we closed the connection, not the timeout
  });
});

describe("base64 images in an answer", () => {
  it("are refused when they are not a PNG, JPEG or WEBP image", async () => {
    fake.script({ kind: "ok", imageBytes: HTML });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toContain("not a PNG, JPEG or WEBP image");
  });
});

describe("the size of an answer", () => {
  it("is capped: a valid answer padded past the cap is refused, and not asked again", async () => {
    fake.script({ kind: "ok", padding: { bytes: 16 * 1024 * 1024 } });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toMatch(/answer larger than \d+ bytes/);
    expect(fake.generationRequests()).toHaveLength(1);
  });

  it("is capped while reading when the answer is chunked, without a length", async () => {
    fake.script({ kind: "ok", padding: { bytes: 16 * 1024 * 1024, chunked: true } });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.message).toMatch(/answer larger than \d+ bytes/);
  });

  it("leaves room for n images of the requested size", async () => {
    fake.script({ kind: "ok", padding: { bytes: 256 * 1024 } });

    const result = await provider().generate(imageRequest({ ...SMALL, n: 3 }));

    expect(result.images).toHaveLength(3);
  });

  it("of an error is capped too, and the error still maps by its status", async () => {
    const message = "x".repeat(2 * 1024 * 1024);
    fake.script({ kind: "error", status: 400, body: { error: { message, type: "invalid_request_error" } } });

    const error = await failureOf(provider().generate(imageRequest(SMALL)));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.status).toBe(400);
  });
});

describe("revised prompts", () => {
  it("lose U+0000 and lone surrogates, and are cut at 32,000 characters", async () => {
    fake.script(
      { kind: "ok", revisedPrompt: "a\u0000b\ud800c\udc00d\ud83d\ude00e" },
      { kind: "ok", revisedPrompt: `${"y".repeat(31_999)}\ud83d\ude00tail` },
      { kind: "ok", revisedPrompt: "\u0000\udfff" },
    );
    const generate = () => provider().generate(imageRequest({ model: "DALL_E_3" }));

    const [cleaned, long, nothing] = [await generate(), await generate(), await generate()];

    expect(cleaned.images[0]?.revisedPrompt).toBe("abcd\ud83d\ude00e");
    expect(long.images[0]?.revisedPrompt).toBe("y".repeat(31_999));
    expect(nothing.images[0]).not.toHaveProperty("revisedPrompt");
  });
});

describe("provider text in our error messages", () => {
  it("is reduced to short identifiers: type, code, param and request id", async () => {
    const prompt = "a secret prompt about a lighthouse";
    fake.script({
      kind: "error",
      status: 400,
      body: {
        error: {
          message: prompt,
          type: `invalid_request_error\u001b[2J\r\n${prompt}`,
          code: `${fake.apiKey}`,
          param: "p".repeat(100_000),
        },
      },
      headers: { "x-request-id": `req_1 ${prompt}` },
    });

    const error = await failureOf(provider().generate(imageRequest({ ...SMALL, prompt })));

    expect(error.kind).toBe("UPSTREAM");
    expect(error.status).toBe(400);
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).not.toContain("secret");
    expect(error.message).not.toContain(fake.apiKey);
    expect(error.message).not.toContain("ppppp");
    expect([...error.message].every((char) => char >= " " && char !== "\u007f")).toBe(true);
    expect(error.providerCode).toBeUndefined();
  });

  it("keeps well-formed ones", async () => {
    fake.script("moderationBlocked");

    const error = await failureOf(provider().generate(imageRequest({ model: "GPT_IMAGE_2" })));

    expect(error.message).toMatch(/image_generation_user_error\/moderation_blocked \(request req_[0-9a-f]+\)$/);
    expect(error.providerCode).toBe("moderation_blocked");
  });
});
