import { randomBytes } from "node:crypto";
import { downloadImage, type DownloadOptions } from "../../src/providers/image-download";
import { openAIImageSources, type AddressRule, type ImageSources } from "../../src/providers/image-sources";
import { renderPlaceholderPng } from "../../src/providers/placeholder-png";
import { isPublicAddress } from "../../src/providers/public-address";
import { startBystander, type Bystander } from "../fakes/bystander";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { ProviderError } from "../../src/domain/generation/image-provider";

// Where a provider's image URL may take us (src/providers/image-sources.ts, public-address.ts) and how the download
// holds to it (image-download.ts). The fakes all live on 127.0.0.1, so the rules about public addresses are driven
// here with sources that admit the fakes' URLs under a chosen rule.

describe("OpenAI's image sources", () => {
  it.each([
    ["https://oaidalleapiprodscus.blob.core.windows.net/private/org-1/img-1.png?sig=s", "PUBLIC_ONLY"],
    ["https://dalleproduse.blob.core.windows.net/private/img-1.png", "PUBLIC_ONLY"],
    ["https://files.openai.com/img.png", "PUBLIC_ONLY"],
    ["https://cdn.oaiusercontent.com/img.png", "PUBLIC_ONLY"],
    ["http://oaidalleapiprodscus.blob.core.windows.net/private/img-1.png", undefined],
    ["https://oaidalleapiprodscus.blob.core.windows.net:8443/img-1.png", undefined],
    ["https://someone-else.blob.core.windows.net/img-1.png", undefined],
    ["https://openai.com.example.net/img.png", undefined],
    ["https://user:secret@files.openai.com/img.png", undefined],
    ["https://127.0.0.1/img.png", undefined],
    ["http://169.254.169.254/latest/meta-data/", undefined],
    ["file:///etc/passwd", undefined],
  ] as const)("without a base URL, admit %s as %s", (url, rule) => {
    expect(openAIImageSources().admit(new URL(url), false)).toBe(rule);
  });

  it.each([
    ["http://127.0.0.1:1234/files/a.png", false, "ANY"],
    ["http://127.0.0.1:1234/files/a.png", true, "PUBLIC_ONLY"],
    ["https://files.openai.com/img.png", false, "PUBLIC_ONLY"],
    ["http://127.0.0.1:1235/files/a.png", false, undefined],
    ["https://127.0.0.1:1234/files/a.png", false, undefined],
    ["http://localhost:1234/files/a.png", false, undefined],
    ["http://127.0.0.1/files/a.png", false, undefined],
  ] as const)("with base URL http://127.0.0.1:1234/v1, admit %s (redirected: %s) as %s", (url, redirected, rule) => {
    expect(openAIImageSources("http://127.0.0.1:1234/v1").admit(new URL(url), redirected)).toBe(rule);
  });
});

describe("public addresses", () => {
  it.each([
    ["8.8.8.8", true],
    ["1.1.1.1", true],
    ["172.32.0.1", true],
    ["2606:4700:4700::1111", true],
    ["::ffff:8.8.8.8", true],
    ["64:ff9b::808:808", true],
    ["127.0.0.1", false],
    ["127.255.255.254", false],
    ["0.0.0.0", false],
    ["10.1.2.3", false],
    ["100.64.0.1", false],
    ["169.254.169.254", false],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["192.168.1.1", false],
    ["224.0.0.1", false],
    ["255.255.255.255", false],
    ["::", false],
    ["::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:a9fe:a9fe", false],
    ["64:ff9b::7f00:1", false],
    ["64:ff9b:0:0:0:0:a00:1", false],
    ["fd00::1", false],
    ["fe80::1", false],
    ["ff02::1", false],
    ["localhost", false],
    ["example.com", false],
  ])("%s is public: %s", (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe("downloadImage", () => {
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

  const always = (rule: AddressRule): ImageSources => ({ admit: () => rule });
  const options = (sources: ImageSources): DownloadOptions => ({
    sources,
    timeoutMs: 5_000,
    maxBytes: 1024 * 1024,
    providerLabel: "OpenAI",
  });
  async function failure(promise: Promise<Buffer>): Promise<ProviderError> {
    const error = await promise.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    if (!(error instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(error)}`);
    return error;
  }

  it("checks the address a name resolves to, not the name: an admitted name on loopback is not connected to", async () => {
    const url = `http://localhost:${new URL(bystander.origin).port}/image.png`;

    const error = await failure(downloadImage(url, options(always("PUBLIC_ONLY"))));

    expect(error.message).toBe("OpenAI image download failed: its host is not a public address");
    expect(bystander.requests).toHaveLength(0);
  });

  it.each(["127.0.0.1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]"])(
    "refuses the non-public literal %s without connecting",
    async (host) => {
      const url = `http://${host}:${new URL(bystander.origin).port}/image.png`;

      const error = await failure(downloadImage(url, options(always("PUBLIC_ONLY"))));

      expect(error.message).toContain("not a public address");
      expect(bystander.requests).toHaveLength(0);
    },
  );

  it("connects anywhere under ANY (a configured gateway's own host)", async () => {
    const bytes = await downloadImage(`${bystander.origin}/image.png`, options(always("ANY")));

    expect(bytes.length).toBeGreaterThan(0);
    expect(bystander.requests).toHaveLength(1);
  });

  it("follows at most 3 redirects", async () => {
    const png = renderPlaceholderPng(8, 8, "end");
    let next = fake.putFile("end", { kind: "bytes", bytes: png, contentType: "image/png" });
    for (const id of ["r3", "r2", "r1"]) next = fake.putFile(id, { kind: "redirect", location: next });
    const loop = fake.putFile("r0", { kind: "redirect", location: next });

    const followed = await downloadImage(next, options(always("ANY")));
    const error = await failure(downloadImage(loop, options(always("ANY"))));

    expect(followed.equals(png)).toBe(true);
    expect(error.message).toBe("OpenAI image download redirected more than 3 times");
    expect(fake.fileRequests().map((request) => request.path)).toEqual([
      ...["/files/r1", "/files/r2", "/files/r3", "/files/end"],
      ...["/files/r0", "/files/r1", "/files/r2", "/files/r3"],
    ]);
  });

  it("asks the sources about every redirect, telling them it is one", async () => {
    const target = fake.putFile("target", { kind: "bytes", bytes: "x", contentType: "image/png" });
    const url = fake.putFile("hop", { kind: "redirect", location: target });
    const asked: Array<[string, boolean]> = [];
    const sources: ImageSources = {
      admit(candidate, redirected) {
        asked.push([candidate.pathname, redirected]);
        return redirected ? undefined : "ANY";
      },
    };

    const error = await failure(downloadImage(url, options(sources)));

    expect(error.message).toBe("OpenAI image download redirected to a URL that is not one of its hosts");
    expect(asked).toEqual([
      ["/files/hop", false],
      ["/files/target", true],
    ]);
  });

  it("gathers a body of many chunks exactly, with a Content-Length and without one", async () => {
    const bytes = randomBytes(600 * 1024);
    const sized = fake.putFile("sized", { kind: "bytes", bytes, contentType: "image/png" });
    const chunked = fake.putFile("chunked", { kind: "bytes", bytes, contentType: "image/png", chunked: true });

    expect((await downloadImage(sized, options(always("ANY")))).equals(bytes)).toBe(true);
    expect((await downloadImage(chunked, options(always("ANY")))).equals(bytes)).toBe(true);
  });

  it("refuses a redirect without a Location, and a body past maxBytes however it is sent", async () => {
    const noLocation = fake.putFile("nowhere", { kind: "redirect", location: "" });
    const big = fake.putFile("big", { kind: "bytes", bytes: Buffer.alloc(1024 * 1024 + 1), contentType: "image/png" });

    const redirect = await failure(downloadImage(noLocation, options(always("ANY"))));
    const declared = await failure(downloadImage(big, options(always("ANY"))));

    expect(redirect.message).toBe("OpenAI image download got HTTP 302 without a Location");
    expect(declared.message).toBe("OpenAI image download is larger than 1048576 bytes");
  });
});
