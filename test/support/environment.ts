import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai-fake";
import { startFakeStability, type FakeStability } from "../fakes/stability-fake";
import { startTestServer, type TestServer, type TestServerOptions } from "./test-server";

export interface TestEnvironment {
  server: TestServer;
  openai: FakeOpenAI;
  stability: FakeStability;
  close(): Promise<void>;
}

/** imagegate configured against fake OpenAI and Stability servers on 127.0.0.1, as a deployment would be. */
export async function startEnvironment(
  env: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestEnvironment> {
  const openai = await startFakeOpenAI();
  const stability = await startFakeStability();
  const server = await startTestServer(
    {
      OPENAI_API_KEY: openai.apiKey,
      OPENAI_BASE_URL: openai.baseURL,
      STABILITY_API_KEY: stability.apiKey,
      STABILITY_BASE_URL: stability.baseURL,
      ...env,
    },
    options,
  );
  return {
    server,
    openai,
    stability,
    async close() {
      await server.close();
      await openai.close();
      await stability.close();
    },
  };
}

/** A user's balance, reserved and available credit as the API reports them. */
export async function accountOf(server: TestServer, userId: string) {
  const user = await server.db.user.findUniqueOrThrow({ where: { id: userId } });
  const holds = await server.db.hold.count({ where: { userId, status: "OPEN" } });
  return { balanceMicros: user.balanceMicros, reservedMicros: user.reservedMicros, openHolds: holds };
}
