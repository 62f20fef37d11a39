import { CATALOG } from "../../src/domain/catalog";
import {
  CreateApiKeyDocument,
  CreateUserDocument,
  GenerateImageDocument,
  GenerationDocument,
  GenerationsDocument,
  GrantCreditsDocument,
  LedgerDocument,
  MeDocument,
  ModelsDocument,
  RevokeApiKeyDocument,
  UserByIdDocument,
} from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf } from "../support/graphql-client";

let env: TestEnvironment;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  env = await startEnvironment();
  admin = await env.server.createUser("ADMIN");
});
afterAll(() => env.close());

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const;

describe("authentication", () => {
  it("refuses a request without a key, with a malformed header, or with an unknown key", async () => {
    expect(errorOf(await env.server.graphql(MeDocument, {})).code).toBe("UNAUTHENTICATED");
    expect(errorOf(await env.server.graphql(MeDocument, {}, "igk_not-a-real-key")).code).toBe("UNAUTHENTICATED");
    const response = await fetch(`${env.server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic abc" },
      body: JSON.stringify({ query: "{ me { id } }" }),
    });
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe(
      "UNAUTHENTICATED",
    );
  });

  it("a revoked key stops working at once; the user's other keys do not", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const second = dataOf(
      await env.server.graphql(CreateApiKeyDocument, { userId: user.userId, name: "ci" }, user.apiKey),
    ).createApiKey;
    expect(second.secret).toMatch(/^igk_[A-Za-z0-9_-]{43}$/);
    expect(dataOf(await env.server.graphql(RevokeApiKeyDocument, { id: second.id }, user.apiKey)).revokeApiKey).toBe(
      true,
    );
    expect(errorOf(await env.server.graphql(MeDocument, {}, second.secret)).code).toBe("UNAUTHENTICATED");
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, second.secret)).code).toBe(
      "UNAUTHENTICATED",
    );
    expect(dataOf(await env.server.graphql(MeDocument, {}, user.apiKey)).me.id).toBe(user.userId);
  });

  it("stores only a hash of each key", async () => {
    const user = await env.server.createUser("MEMBER");
    const keys = await env.server.db.apiKey.findMany({ where: { userId: user.userId } });
    expect(keys).toHaveLength(1);
    expect(keys[0]!.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(keys)).not.toContain(user.apiKey);
  });
});

describe("roles", () => {
  it("only ADMIN creates users, grants credits and creates keys for others", async () => {
    const member = await env.server.createUser("MEMBER");
    const finance = await env.server.createUser("FINANCE");
    for (const caller of [member, finance]) {
      expect(
        errorOf(await env.server.graphql(CreateUserDocument, { email: "x@example.com", role: "MEMBER" }, caller.apiKey))
          .code,
      ).toBe("FORBIDDEN");
      expect(
        errorOf(
          await env.server.graphql(
            GrantCreditsDocument,
            { userId: caller.userId, amount: "5", reason: "x" },
            caller.apiKey,
          ),
        ).code,
      ).toBe("FORBIDDEN");
      expect(
        errorOf(await env.server.graphql(CreateApiKeyDocument, { userId: admin.userId, name: "steal" }, caller.apiKey))
          .code,
      ).toBe("FORBIDDEN");
    }
  });

  it("a MEMBER sees only its own generations and ledger; FINANCE and ADMIN see anyone's", async () => {
    const alice = await env.server.createUser("MEMBER", "1");
    const bob = await env.server.createUser("MEMBER", "1");
    const finance = await env.server.createUser("FINANCE");
    const generation = dataOf(
      await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, alice.apiKey),
    ).generateImage;

    expect(
      dataOf(await env.server.graphql(GenerationDocument, { id: generation.id }, bob.apiKey)).generation,
    ).toBeNull();
    expect(errorOf(await env.server.graphql(GenerationsDocument, { userId: alice.userId }, bob.apiKey)).code).toBe(
      "FORBIDDEN",
    );
    expect(errorOf(await env.server.graphql(LedgerDocument, { userId: alice.userId }, bob.apiKey)).code).toBe(
      "FORBIDDEN",
    );
    expect(errorOf(await env.server.graphql(UserByIdDocument, { id: alice.userId }, bob.apiKey)).code).toBe(
      "FORBIDDEN",
    );

    for (const reader of [finance, admin]) {
      expect(
        dataOf(await env.server.graphql(GenerationDocument, { id: generation.id }, reader.apiKey)).generation?.id,
      ).toBe(generation.id);
      const list = dataOf(
        await env.server.graphql(GenerationsDocument, { userId: alice.userId }, reader.apiKey),
      ).generations;
      expect(list.edges.map((edge) => edge.node.id)).toEqual([generation.id]);
      const user = dataOf(await env.server.graphql(UserByIdDocument, { id: alice.userId }, reader.apiKey)).user;
      expect(user).toMatchObject({ balance: "0.984000", spend: "0.016000" });
    }
  });
});

describe("admin operations", () => {
  it("creates a user who can then be given a key and credits", async () => {
    const created = dataOf(
      await env.server.graphql(CreateUserDocument, { email: "New.Person@Example.com", role: "FINANCE" }, admin.apiKey),
    ).createUser;
    expect(created).toMatchObject({ email: "new.person@example.com", role: "FINANCE", balance: "0.000000" });
    const duplicate = errorOf(
      await env.server.graphql(CreateUserDocument, { email: "new.person@example.com", role: "MEMBER" }, admin.apiKey),
    );
    expect(duplicate).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "email" } });
    expect(
      errorOf(await env.server.graphql(CreateUserDocument, { email: "not-an-email", role: "MEMBER" }, admin.apiKey))
        .code,
    ).toBe("BAD_USER_INPUT");

    const key = dataOf(
      await env.server.graphql(CreateApiKeyDocument, { userId: created.id, name: "laptop" }, admin.apiKey),
    ).createApiKey;
    const grant = dataOf(
      await env.server.graphql(
        GrantCreditsDocument,
        { userId: created.id, amount: "12.5", reason: "welcome" },
        admin.apiKey,
      ),
    ).grantCredits;
    expect(grant).toMatchObject({ kind: "GRANT", amount: "12.500000", balanceAfter: "12.500000", reason: "welcome" });
    const me = dataOf(await env.server.graphql(MeDocument, {}, key.secret)).me;
    expect(me).toMatchObject({
      id: created.id,
      balance: "12.500000",
      reserved: "0.000000",
      available: "12.500000",
      spend: "0.000000",
    });
  });

  it("a negative grant is an ADJUSTMENT, and may not take the balance below zero", async () => {
    const user = await env.server.createUser("MEMBER", "2");
    const adjustment = dataOf(
      await env.server.graphql(
        GrantCreditsDocument,
        { userId: user.userId, amount: "-0.5", reason: "correction" },
        admin.apiKey,
      ),
    ).grantCredits;
    expect(adjustment).toMatchObject({ kind: "ADJUSTMENT", amount: "-0.500000", balanceAfter: "1.500000" });
    const tooMuch = errorOf(
      await env.server.graphql(
        GrantCreditsDocument,
        { userId: user.userId, amount: "-1.500001", reason: "x" },
        admin.apiKey,
      ),
    );
    expect(tooMuch).toMatchObject({ code: "BAD_USER_INPUT", extensions: { field: "amount" } });
    expect(
      errorOf(
        await env.server.graphql(GrantCreditsDocument, { userId: user.userId, amount: "0", reason: "x" }, admin.apiKey),
      ).code,
    ).toBe("BAD_USER_INPUT");
    expect(
      errorOf(
        await env.server.graphql(
          GrantCreditsDocument,
          { userId: "00000000-0000-4000-8000-000000000000", amount: "1", reason: "x" },
          admin.apiKey,
        ),
      ).code,
    ).toBe("NOT_FOUND");
  });

  it("concurrent grants leave a balance equal to the sum of its ledger, each entry's balanceAfter exact", async () => {
    const user = await env.server.createUser("MEMBER");
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        env.server.graphql(
          GrantCreditsDocument,
          { userId: user.userId, amount: `0.${String(i + 1).padStart(2, "0")}`, reason: "drip" },
          admin.apiKey,
        ),
      ),
    );
    const entries = await env.server.db.ledgerEntry.findMany({
      where: { userId: user.userId },
      orderBy: { balanceAfterMicros: "asc" },
    });
    let running = 0n;
    for (const entry of entries) {
      running += entry.amountMicros;
      expect(entry.balanceAfterMicros).toBe(running);
    }
    const account = await env.server.db.user.findUniqueOrThrow({ where: { id: user.userId } });
    expect(account.balanceMicros).toBe(running);
    expect(running).toBe(2_100_000n);
  });
});

describe("lists", () => {
  it("pages generations newest first with stable cursors", async () => {
    const user = await env.server.createUser("MEMBER", "1");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)).generateImage.id,
      );
    }
    const first = dataOf(await env.server.graphql(GenerationsDocument, { first: 2 }, user.apiKey)).generations;
    expect(first.edges.map((edge) => edge.node.id)).toEqual([ids[4], ids[3]]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = dataOf(
      await env.server.graphql(GenerationsDocument, { first: 2, after: first.pageInfo.endCursor }, user.apiKey),
    ).generations;
    expect(second.edges.map((edge) => edge.node.id)).toEqual([ids[2], ids[1]]);
    const last = dataOf(
      await env.server.graphql(GenerationsDocument, { first: 2, after: second.pageInfo.endCursor }, user.apiKey),
    ).generations;
    expect(last.edges.map((edge) => edge.node.id)).toEqual([ids[0]]);
    expect(last.pageInfo.hasNextPage).toBe(false);

    expect(errorOf(await env.server.graphql(GenerationsDocument, { first: 0 }, user.apiKey)).code).toBe(
      "BAD_USER_INPUT",
    );
    expect(errorOf(await env.server.graphql(GenerationsDocument, { first: 101 }, user.apiKey)).code).toBe(
      "BAD_USER_INPUT",
    );
    expect(errorOf(await env.server.graphql(GenerationsDocument, { after: "garbage" }, user.apiKey)).code).toBe(
      "BAD_USER_INPUT",
    );
  });

  it("lists the models with their rules and the provider that serves them here", async () => {
    const models = dataOf(await env.server.graphql(ModelsDocument, {}, admin.apiKey)).models;
    expect(models.map((model) => model.model).sort()).toEqual(Object.keys(CATALOG).sort());
    expect(models.find((model) => model.model === "DALL_E_3")).toEqual({
      model: "DALL_E_3",
      provider: "openai",
      sizes: ["SIZE_1024X1024", "SIZE_1792X1024", "SIZE_1024X1792"],
      qualities: ["STANDARD", "HD"],
      styles: ["VIVID", "NATURAL"],
      maxN: 1,
      maxPromptLength: 4000,
    });
    expect(models.find((model) => model.model === "STABLE_DIFFUSION_XL")?.provider).toBe("stability");
  });
});
