import { loadSettings, SettingsError } from "../../src/config";
import { CORS_ALLOWED_HEADERS } from "../../src/http/cors";
import { startTestServer, type TestServer } from "../support/test-server";

// Browsers: CORS for the origins in CORS_ORIGINS (none by default), and GraphiQL from our own files.

const APP = "https://app.example.com";
const OTHER = "https://evil.example.net";

const preflight = (url: string, origin: string) =>
  fetch(`${url}/graphql`, {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type",
    },
  });

const query = (url: string, origin?: string) =>
  fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(origin === undefined ? {} : { origin }) },
    body: JSON.stringify({ query: "{ __typename }" }),
  });

describe("CORS_ORIGINS", () => {
  it("is a list of exact origins; a wildcard, a path or a trailing slash, or another scheme refuses to start", () => {
    expect(loadSettings({}).corsOrigins).toEqual([]);
    expect(loadSettings({ CORS_ORIGINS: ` ${APP}, http://localhost:5173 ,${APP}` }).corsOrigins).toEqual([
      APP,
      "http://localhost:5173",
    ]);
    for (const [value, reason] of [
      ["*", "is a wildcard"],
      ["https://*.example.com", "is a wildcard"],
      [`${APP}/`, `did you mean "${APP}"?`],
      [`${APP}/console`, `did you mean "${APP}"?`],
      ["https://APP.example.com", `did you mean "${APP}"?`],
      ["app.example.com", "is not an origin"],
      ["ftp://files.example.com", "must be http(s)"],
    ] as const) {
      expect(() => loadSettings({ CORS_ORIGINS: `${APP},${value}` })).toThrow(SettingsError);
      expect(() => loadSettings({ CORS_ORIGINS: `${APP},${value}` })).toThrow(`CORS_ORIGINS: "${value}" `);
      expect(() => loadSettings({ CORS_ORIGINS: `${APP},${value}` })).toThrow(reason);
    }
  });
});

describe("CORS with origins allowed", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: `${APP},http://localhost:5173` });
  });
  afterAll(() => server.close());

  it("answers an allowed origin's preflight with the methods, headers and a max-age", async () => {
    const response = await preflight(server.url, APP);
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(APP);
    expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST");
    expect(response.headers.get("access-control-allow-headers")?.split(",")).toEqual(CORS_ALLOWED_HEADERS);
    expect(CORS_ALLOWED_HEADERS).toEqual(
      expect.arrayContaining(["authorization", "content-type", "x-request-id", "apollo-require-preflight"]),
    );
    expect(Number(response.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
    expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("refuses another origin's preflight: 403 and no CORS header", async () => {
    const response = await preflight(server.url, OTHER);
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-methods")).toBeNull();
    expect(await response.json()).toEqual({ error: "origin not allowed" });
  });

  it("gives an allowed origin's request the header, and shows it X-Request-Id", async () => {
    const response = await query(server.url, "http://localhost:5173");
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(response.headers.get("access-control-expose-headers")).toBe("X-Request-Id");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(response.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("gives another origin's request no header (the browser hides the answer), and a server's its answer as before", async () => {
    const other = await query(server.url, OTHER);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("access-control-expose-headers")).toBeNull();
    const serverSide = await query(server.url);
    expect(serverSide.status).toBe(200);
    expect(await serverSide.json()).toEqual({ data: { __typename: "Query" } });
    expect(serverSide.headers.get("access-control-allow-origin")).toBeNull();
    // Cached answers (stored images) must not be reused across origins.
    expect(serverSide.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("covers the Express routes too", async () => {
    const health = await fetch(`${server.url}/healthz`, { headers: { origin: APP } });
    expect(health.headers.get("access-control-allow-origin")).toBe(APP);
    const refused = await fetch(`${server.url}/healthz`, { headers: { origin: OTHER } });
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("CORS by default", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("allows no origin", async () => {
    const refused = await preflight(server.url, APP);
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const response = await query(server.url, APP);
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });
});
