import { GenerateImageDocument, GenerationDocument, PricesDocument, SetPriceDocument } from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";

let env: TestEnvironment;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  env = await startEnvironment();
  admin = await env.server.createUser("ADMIN");
});
afterAll(() => env.close());

describe("the pricing matrix", () => {
  it("is seeded with API.md's list prices", async () => {
    const prices = dataOf(await env.server.graphql(PricesDocument, {}, admin.apiKey)).prices;
    const table = Object.fromEntries(
      prices.map((price) => [`${price.model} ${price.size} ${price.quality}`, price.perImage]),
    );
    expect(table).toMatchObject({
      "DALL_E_3 SIZE_1024X1024 STANDARD": "0.040000",
      "DALL_E_3 SIZE_1792X1024 STANDARD": "0.080000",
      "DALL_E_3 SIZE_1024X1792 HD": "0.120000",
      "DALL_E_3 SIZE_1024X1024 HD": "0.080000",
      "DALL_E_2 SIZE_1024X1024 STANDARD": "0.020000",
      "DALL_E_2 SIZE_512X512 STANDARD": "0.018000",
      "DALL_E_2 SIZE_256X256 STANDARD": "0.016000",
      "GPT_IMAGE_1 SIZE_1024X1024 LOW": "0.011000",
      "GPT_IMAGE_1 SIZE_1024X1024 MEDIUM": "0.042000",
      "GPT_IMAGE_1 SIZE_1024X1024 HIGH": "0.167000",
      "GPT_IMAGE_1 SIZE_1536X1024 LOW": "0.016000",
      "GPT_IMAGE_1 SIZE_1024X1536 MEDIUM": "0.063000",
      "GPT_IMAGE_1 SIZE_1536X1024 HIGH": "0.250000",
      "GPT_IMAGE_1_MINI SIZE_1024X1024 LOW": "0.005000",
      "GPT_IMAGE_1_MINI SIZE_1024X1024 MEDIUM": "0.011000",
      "GPT_IMAGE_1_MINI SIZE_1024X1024 HIGH": "0.036000",
      "GPT_IMAGE_1_MINI SIZE_1536X1024 LOW": "0.006000",
      "GPT_IMAGE_1_MINI SIZE_1024X1536 MEDIUM": "0.015000",
      "GPT_IMAGE_1_MINI SIZE_1536X1024 HIGH": "0.052000",
      "STABLE_DIFFUSION_XL SIZE_1024X1024 STANDARD": "0.006000",
    });
    expect(prices.filter((price) => !price.model.startsWith("GPT_IMAGE_2"))).toHaveLength(2 * 3 + 3 + 2 * 9 + 1);
    // The gpt-image-2 family: 5 models x 8 sizes x 3 qualities (test/db/models-as-data.test.ts checks their cover).
    expect(prices.filter((price) => price.model.startsWith("GPT_IMAGE_2"))).toHaveLength(5 * 8 * 3);
  });

  it("a price change applies from its effectiveFrom on and leaves earlier generations' cost untouched", async () => {
    const user = await env.server.createUser("MEMBER", "10");
    const input = { prompt: "a cat", model: "STABLE_DIFFUSION_XL" } as const;
    const before = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage;
    expect(before.cost).toBe("0.006000");

    const future = new Date(Date.now() + 3_600_000).toISOString();
    await env.server.graphql(
      SetPriceDocument,
      {
        model: "STABLE_DIFFUSION_XL",
        size: "SIZE_1024X1024",
        quality: "STANDARD",
        perImage: "0.5",
        effectiveFrom: future,
      },
      admin.apiKey,
    );
    expect(dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage.cost).toBe(
      "0.006000",
    );

    const set = dataOf(
      await env.server.graphql(
        SetPriceDocument,
        { model: "STABLE_DIFFUSION_XL", size: "SIZE_1024X1024", quality: "STANDARD", perImage: "0.009" },
        admin.apiKey,
      ),
    ).setPrice;
    expect(set.perImage).toBe("0.009000");
    const after = dataOf(await env.server.graphql(GenerateImageDocument, { input }, user.apiKey)).generateImage;
    expect(after.cost).toBe("0.009000");

    const reread = dataOf(await env.server.graphql(GenerationDocument, { id: before.id }, user.apiKey)).generation;
    expect(reread?.cost).toBe("0.006000");
    const stored = await env.server.db.imageGeneration.findUniqueOrThrow({
      where: { id: before.id },
      include: { price: true },
    });
    expect(stored.price.perImageMicros).toBe(6_000n);
    expect(await env.server.db.price.count({ where: { model: "STABLE_DIFFUSION_XL" } })).toBe(3);
  });

  it("refuses prices for combinations the model does not offer, and non-positive prices", async () => {
    const set = (variables: Parameters<typeof env.server.graphql<unknown, Record<string, unknown>>>[1]) =>
      env.server.graphql(SetPriceDocument, variables as never, admin.apiKey);
    expect(
      errorOf(await set({ model: "DALL_E_3", size: "SIZE_256X256", quality: "STANDARD", perImage: "1" })).code,
    ).toBe("BAD_USER_INPUT");
    expect(errorOf(await set({ model: "DALL_E_2", size: "SIZE_256X256", quality: "HD", perImage: "1" })).code).toBe(
      "BAD_USER_INPUT",
    );
    expect(
      errorOf(await set({ model: "DALL_E_2", size: "SIZE_256X256", quality: "STANDARD", perImage: "0" })).code,
    ).toBe("BAD_USER_INPUT");
    expect(
      errorOf(await set({ model: "DALL_E_2", size: "SIZE_256X256", quality: "STANDARD", perImage: "-1" })).code,
    ).toBe("BAD_USER_INPUT");
  });

  it("only ADMIN sets prices", async () => {
    const finance = await env.server.createUser("FINANCE");
    const error = errorOf(
      await env.server.graphql(
        SetPriceDocument,
        { model: "DALL_E_2", size: "SIZE_256X256", quality: "STANDARD", perImage: "1" },
        finance.apiKey,
      ),
    );
    expect(error.code).toBe("FORBIDDEN");
  });
});
