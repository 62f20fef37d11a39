import { execFile } from "node:child_process";
import path from "node:path";
import { AuditLogDocument, MeDocument, MyApiKeysDocument } from "../generated/graphql";
import { dataOf } from "../support/graphql-client";
import { startTestServer, type TestServer } from "../support/test-server";

// The CLI as an operator runs it, on the server's database: create-user prints its key's id, and create-api-key
// gives a user whose key was lost a new one.

const ROOT = path.resolve(__dirname, "../..");
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["-r", "@swc-node/register", "src/cli/main.ts", ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, DATABASE_URL: server.databaseUrl }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: typeof error?.code === "number" ? error.code : 0, stdout, stderr }),
    );
  });
}

it("create-user prints the key's id; create-api-key --email prints a new secret once, with its id", async () => {
  const created = await cli("create-user", "--email", "lost@example.com", "--role", "MEMBER");
  expect(created.code).toBe(0);
  const user = JSON.parse(created.stdout) as { userId: string; apiKeyId: string; apiKey: string };
  const first = await server.db.apiKey.findFirstOrThrow({ where: { userId: user.userId } });
  expect(user.apiKeyId).toBe(first.id);

  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  const again = await cli(
    "create-api-key",
    "--email",
    "Lost@Example.com",
    "--name",
    "found",
    "--expires-at",
    expiresAt,
  );
  expect(again.code).toBe(0);
  const key = JSON.parse(again.stdout) as { userId: string; apiKeyId: string; apiKey: string; expiresAt: string };
  expect(key).toMatchObject({ userId: user.userId, expiresAt });
  expect(key.apiKey).toMatch(/^igk_[A-Za-z0-9_-]{43}$/);
  expect(dataOf(await server.graphql(MeDocument, {}, key.apiKey)).me.id).toBe(user.userId);
  const keys = dataOf(await server.graphql(MyApiKeysDocument, {}, key.apiKey)).me.apiKeys;
  expect(keys.map((listed) => [listed.id, listed.name, listed.expiresAt])).toEqual([
    [key.apiKeyId, "found", expiresAt],
    [user.apiKeyId, "created by the cli", null],
  ]);
  const admin = await server.createUser("ADMIN");
  const audit = dataOf(
    await server.graphql(AuditLogDocument, { targetId: key.apiKeyId, action: "createApiKey" }, admin.apiKey),
  ).auditLog.edges;
  expect(audit.map((edge) => edge.node.actorId)).toEqual([null]);
  expect(JSON.stringify(audit)).not.toContain(key.apiKey);
}, 120_000);

it("create-api-key refuses an unknown email, an instant without its offset, and a past one; it writes nothing", async () => {
  const before = await server.db.apiKey.count();
  const unknown = await cli("create-api-key", "--email", "nobody@example.com");
  expect(unknown).toMatchObject({ code: 1, stdout: "" });
  expect(unknown.stderr).toContain("error: User not found");
  await server.createUser("MEMBER");
  const email = (await server.db.user.findFirstOrThrow({ where: { role: "MEMBER" } })).email;
  const noOffset = await cli("create-api-key", "--email", email, "--expires-at", "2099-01-01T00:00:00");
  expect(noOffset).toMatchObject({ code: 1, stdout: "" });
  expect(noOffset.stderr).toContain("--expires-at must be an ISO 8601 instant with its offset");
  const past = await cli("create-api-key", "--email", email, "--expires-at", "2020-01-01T00:00:00Z");
  expect(past).toMatchObject({ code: 1, stdout: "" });
  expect(past.stderr).toContain("expiresAt must be in the future");
  expect(await server.db.apiKey.count()).toBe(before + 1); // the one createUser made
}, 120_000);
