import { GenerateImageDocument, StartImageGenerationDocument, type GenerateImageInput } from "../generated/graphql";
import { startEnvironment, type TestEnvironment } from "../support/environment";
import { eventually } from "../support/eventually";
import { dataOf, errorOf } from "../support/graphql-client";

// /metrics on METRICS_PORT, in Prometheus' text format: requests by operation, generations by model, status and
// code, money charged, holds open, provider calls, the database pool and the event loop.

let env: TestEnvironment;
let metricsUrl: string;
beforeAll(async () => {
  env = await startEnvironment({ METRICS_PORT: "0", MAX_CONNECTIONS: "500", PROVIDER_MAX_RETRIES: "0" });
  metricsUrl = env.server.app.metricsUrl!;
});
afterAll(() => env.close());
beforeEach(() => env.openai.reset());

const DALL_E_2: GenerateImageInput = { prompt: "a mill", model: "DALL_E_2", size: "SIZE_256X256" }; // 0.016

/** Every sample of a scrape, by metric name and its labels in a fixed order: `name{a="1",b="2"}` -> value. */
async function scrape(): Promise<Map<string, number>> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels = [...(match[2] ?? "").matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map(
      ([, name, value]) => `${name}=${value}`,
    );
    samples.set(`${match[1]}{${labels.sort().join(",")}}`, Number(match[3]));
  }
  return samples;
}

function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const key = `${name}{${Object.entries(labels)
    .map(([label, value]) => `${label}=${value}`)
    .sort()
    .join(",")}}`;
  return samples.get(key) ?? 0;
}

/** How much each sample grew while `work` ran. */
async function growth(
  work: () => Promise<unknown>,
): Promise<(name: string, labels?: Record<string, string>) => number> {
  const before = await scrape();
  await work();
  const after = await scrape();
  return (name, labels) => sample(after, name, labels) - sample(before, name, labels);
}

async function graphql(query: string, apiKey?: string): Promise<void> {
  await fetch(`${env.server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ query }),
  });
}

it("is served on METRICS_PORT only, never on the API's port", async () => {
  expect(metricsUrl).not.toContain(new URL(env.server.url).port);
  expect((await fetch(`${env.server.url}/metrics`)).status).toBe(404);
  expect((await fetch(metricsUrl.replace(/\/metrics$/, "/other"))).status).toBe(404);
});

it("a generation: its request, its model's count, the money charged and the provider's latency", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  const grew = await growth(async () =>
    dataOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)),
  );
  expect(grew("imagegate_graphql_requests_total", { operation: "GenerateImage", outcome: "ok" })).toBe(1);
  expect(grew("imagegate_graphql_request_duration_seconds_count", { operation: "GenerateImage" })).toBe(1);
  expect(grew("imagegate_generations_total", { model: "DALL_E_2", status: "SUCCEEDED", error_code: "none" })).toBe(1);
  expect(grew("imagegate_charged_microdollars_total", { model: "DALL_E_2" })).toBe(16_000);
  const provider = { provider: "openai", model: "DALL_E_2", outcome: "ok" };
  expect(grew("imagegate_provider_request_duration_seconds_count", provider)).toBe(1);
});

it("a provider failure: FAILED with its code, a provider error, nothing charged", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  env.openai.script({ kind: "error", status: 503 });
  const grew = await growth(async () =>
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)).code).toBe(
      "UPSTREAM_ERROR",
    ),
  );
  expect(grew("imagegate_graphql_requests_total", { operation: "GenerateImage", outcome: "error" })).toBe(1);
  expect(
    grew("imagegate_generations_total", { model: "DALL_E_2", status: "FAILED", error_code: "UPSTREAM_ERROR" }),
  ).toBe(1);
  const failure = { provider: "openai", model: "DALL_E_2", kind: "UPSTREAM", retryable: "true" };
  expect(grew("imagegate_provider_errors_total", failure)).toBe(1);
  expect(grew("imagegate_charged_microdollars_total", { model: "DALL_E_2" })).toBe(0);
});

it("a refusal before anything is held: REFUSED with its code, no provider call", async () => {
  const user = await env.server.createUser("MEMBER", "0.01");
  const grew = await growth(async () =>
    expect(errorOf(await env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey)).code).toBe(
      "INSUFFICIENT_CREDITS",
    ),
  );
  const refused = { model: "DALL_E_2", status: "REFUSED", error_code: "INSUFFICIENT_CREDITS" };
  expect(grew("imagegate_generations_total", refused)).toBe(1);
  const provider = { provider: "openai", model: "DALL_E_2", outcome: "ok" };
  expect(grew("imagegate_provider_request_duration_seconds_count", provider)).toBe(0);
});

it("holds open: one while a generation waits for its provider, none after", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  // Long enough for a scrape to happen while the call is in flight, whatever the machine's speed.
  env.openai.script({ kind: "delay", ms: 3_000 });
  const request = env.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey);
  await eventually(() => env.openai.generationRequests().length === 1, 10_000, "the provider call");
  expect(sample(await scrape(), "imagegate_holds_open")).toBe(1);
  dataOf(await request);
  expect(sample(await scrape(), "imagegate_holds_open")).toBe(0);
});

it("background runs: one while a started generation waits for its provider, none after", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  let answer!: () => void;
  env.openai.script({ kind: "wait", until: new Promise<void>((resolve) => (answer = resolve)) });
  const { id } = dataOf(
    await env.server.graphql(StartImageGenerationDocument, { input: DALL_E_2 }, user.apiKey),
  ).startImageGeneration;
  await eventually(() => env.openai.generationRequests().length === 1, 10_000, "the provider call");
  const during = await scrape();
  expect(sample(during, "imagegate_background_runs")).toBe(1);
  expect(sample(during, "imagegate_background_runs_max")).toBe(1000);
  answer();
  await eventually(
    async () => (await env.server.db.imageGeneration.findUniqueOrThrow({ where: { id } })).status === "SUCCEEDED",
    10_000,
    "the started generation to end",
  );
  await eventually(async () => sample(await scrape(), "imagegate_background_runs") === 0, 10_000, "its place freed");
});

it("operation names are bounded: unnamed ones are 'anonymous', unknown names from unauthenticated callers 'other'", async () => {
  const user = await env.server.createUser("MEMBER", "1");
  const grew = await growth(async () => {
    await graphql("{ __typename }", user.apiKey);
    await graphql("query Dashboard { __typename }", user.apiKey);
    await graphql("query JunkName8f3a { __typename }");
    await graphql(`query Long${"x".repeat(70)} { __typename }`, user.apiKey);
  });
  expect(grew("imagegate_graphql_requests_total", { operation: "anonymous", outcome: "ok" })).toBe(1);
  expect(grew("imagegate_graphql_requests_total", { operation: "Dashboard", outcome: "ok" })).toBe(1);
  expect(grew("imagegate_graphql_requests_total", { operation: "other", outcome: "ok" })).toBe(2);
  const text = await (await fetch(metricsUrl)).text();
  expect(text).not.toContain("JunkName8f3a");
});

it("the database pool, connections, the event loop and the process", async () => {
  const samples = await scrape();
  expect(sample(samples, "imagegate_db_pool_connections_max")).toBe(10);
  expect(samples.has("imagegate_db_pool_connections_in_use{}")).toBe(true);
  expect(samples.has("imagegate_db_pool_requests_waiting{}")).toBe(true);
  expect(sample(samples, "imagegate_http_connections_max")).toBe(500);
  expect(samples.has("imagegate_http_connections_open{}")).toBe(true);
  expect(samples.has("nodejs_eventloop_lag_p99_seconds{}")).toBe(true);
  expect(samples.has("process_cpu_seconds_total{}")).toBe(true);
});

it("without METRICS_PORT: no metrics server, and generations as before", async () => {
  const plain = await startEnvironment();
  try {
    expect(plain.server.app.metricsUrl).toBeUndefined();
    const user = await plain.server.createUser("MEMBER", "1");
    const answer = await plain.server.graphql(GenerateImageDocument, { input: DALL_E_2 }, user.apiKey);
    expect(dataOf(answer).generateImage.status).toBe("SUCCEEDED");
  } finally {
    await plain.close();
  }
});
