import {
  GenerateImageDocument,
  MeDocument,
  SetAllowedModelsDocument,
  SetUserActiveDocument,
  SetUserRoleDocument,
  UsersDocument,
} from "../generated/graphql";
import { accountOf, startEnvironment, type TestEnvironment } from "../support/environment";
import { dataOf, errorOf, executeOperation } from "../support/graphql-client";
import { eventually } from "../support/eventually";
import { startServerProcess, type ServerProcess } from "../support/server-process";

// Two processes on one database: the test's server (A), where an admin makes each change, and imagegate as its own OS
// process (B), which has the user's principal in memory from an earlier request. B must stop trusting what it kept
// when the change commits: it hears PostgreSQL's notification on imagegate_principals, not a timer (the principals'
// own expiry is a minute, far past these waits).

const DALL_E_2 = { prompt: "a bridge", model: "DALL_E_2", size: "SIZE_256X256" } as const;
const WAIT_MS = 10_000;

let env: TestEnvironment;
let other: ServerProcess;
let admin: { userId: string; apiKey: string };
beforeAll(async () => {
  env = await startEnvironment();
  other = await startServerProcess({
    DATABASE_URL: env.server.databaseUrl,
    OPENAI_API_KEY: env.openai.apiKey,
    OPENAI_BASE_URL: env.openai.baseURL,
  });
  admin = await env.server.createUser("ADMIN");
}, 60_000);
afterAll(async () => {
  await other.stop();
  await env.close();
});

const onOther = <TData, TVariables>(
  document: Parameters<typeof executeOperation<TData, TVariables>>[1],
  variables: TVariables,
  apiKey: string,
) => executeOperation(other.url, document, variables, apiKey);

it("a new role applies on the other process as soon as it hears the change", async () => {
  const user = await env.server.createUser("MEMBER");
  expect(errorOf(await onOther(UsersDocument, { first: 1 }, user.apiKey)).code).toBe("FORBIDDEN"); // kept as MEMBER
  dataOf(await env.server.graphql(SetUserRoleDocument, { userId: user.userId, role: "FINANCE" }, admin.apiKey));
  await eventually(
    async () => (await onOther(UsersDocument, { first: 1 }, user.apiKey)).errors === undefined,
    WAIT_MS,
    "the other process to know the FINANCE role",
  );
  expect(dataOf(await onOther(MeDocument, {}, user.apiKey)).me.role).toBe("FINANCE");
});

it("an inactive user's keys are refused on the other process, and holds nothing there", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  expect(dataOf(await onOther(MeDocument, {}, user.apiKey)).me.id).toBe(user.userId);
  dataOf(await env.server.graphql(SetUserActiveDocument, { userId: user.userId, active: false }, admin.apiKey));
  await eventually(
    async () => (await onOther(MeDocument, {}, user.apiKey)).errors?.[0]?.extensions?.code === "UNAUTHENTICATED",
    WAIT_MS,
    "the other process to refuse the inactive user's key",
  );
  expect(errorOf(await onOther(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)).code).toBe("UNAUTHENTICATED");
  expect(await accountOf(env.server, user.userId)).toEqual({
    balanceMicros: 1_000_000n,
    reservedMicros: 0n,
    openHolds: 0,
  });
});

it("an allowlist set on one process refuses on the other", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  dataOf(await onOther(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey));
  dataOf(
    await env.server.graphql(SetAllowedModelsDocument, { userId: user.userId, models: ["DALL_E_3"] }, admin.apiKey),
  );
  // A harmless probe: a role change made after the list, announced after it (notifications arrive in commit order).
  dataOf(await env.server.graphql(SetUserRoleDocument, { userId: user.userId, role: "FINANCE" }, admin.apiKey));
  await eventually(
    async () => dataOf(await onOther(MeDocument, {}, user.apiKey)).me.role === "FINANCE",
    WAIT_MS,
    "the other process to hear the changes",
  );
  expect(errorOf(await onOther(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)).extensions).toMatchObject({
    code: "MODEL_NOT_ALLOWED",
    model: "DALL_E_2",
    scope: "USER",
  });
  expect(await env.server.db.imageGeneration.count({ where: { userId: user.userId } })).toBe(1);
});
