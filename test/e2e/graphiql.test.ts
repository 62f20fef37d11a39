import { loadSettings } from "../../src/config";
import { startTestServer, type TestServer } from "../support/test-server";

// GraphiQL at GET /graphql for a browser: from our own files only, on by default in development, off in production
// unless GRAPHIQL_ENABLED=true.

/**
 * Absolute URLs that the served files contain and a browser never fetches by itself, each with why. The page's
 * Content-Security-Policy (checked below) would stop the browser fetching any other host anyway.
 */
const URLS_NEVER_FETCHED: Record<string, string> = {
  "http://www.w3.org/2000/svg": "an XML namespace name (SVG), an identifier",
  "http://www.w3.org/1998/Math/MathML": "an XML namespace name, in React DOM",
  "http://www.w3.org/1999/xhtml": "an XML namespace name, in React DOM",
  "http://www.w3.org/1999/xlink": "an XML namespace name, in React DOM",
  "http://www.w3.org/XML/1998/namespace": "an XML namespace name, in React DOM",
  "https://reactjs.org/docs/error-decoder.html": "text of React's minified error messages",
  "https://github.com/graphql/graphiql": "the GraphiQL logo's link (a click opens it; rel=noreferrer)",
  "https://github.com/graphql/graphiql/blob/master/examples/graphiql-cdn/index.html": "text of an error message",
  "https://codemirror.net/5/doc/manual.html": "a link in GraphiQL's keyboard shortcuts dialog",
  "https://commonmark.org/": "text of GraphQL's built-in directive descriptions (the graphql package)",
  "https://en.wikipedia.org/wiki/IEEE_floating_point": "text of GraphQL's Float description (the graphql package)",
  "https://radix-ui.com/primitives/docs/components/": "text of a development warning (Radix UI)",
  "https://github.com/jonschlinkert": "license comments of bundled packages (is-primitive, set-value, isobject)",
};

function absoluteUrls(text: string): string[] {
  return [...new Set(text.match(/https?:\/\/[A-Za-z0-9.\-:]+(?:\/[A-Za-z0-9._~\-/]*)?/g) ?? [])];
}

const neverFetched = (url: string) =>
  Object.keys(URLS_NEVER_FETCHED).some((allowed) => url === allowed || url.startsWith(`${allowed}/`));

const page = (url: string, accept = "text/html,application/xhtml+xml,*/*;q=0.8") =>
  fetch(`${url}/graphql`, { headers: { accept } });

describe("in development (the default)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it("serves GraphiQL's page, whose scripts and styles are all ours, named relative to /graphql", async () => {
    const response = await page(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<div id="graphiql">');
    const references = [...html.matchAll(/<(script|link)\b[^>]*?(?:src|href)="([^"]*)"/g)].map((match) => match[2]!);
    expect(references.length).toBeGreaterThanOrEqual(6);
    for (const reference of references) expect(reference).toMatch(/^graphiql\/assets\/[\w.-]+\.(js|css)$/);
    // Nothing inline: the CSP allows scripts from this origin only.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b/);
    expect(absoluteUrls(html)).toEqual([]);
  });

  it("serves every asset the page names, and no file reaches for another host", async () => {
    const html = await (await page(server.url)).text();
    const references = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((match) => match[1]!);
    const found = new Set<string>();
    for (const reference of references) {
      const asset = await fetch(new URL(reference, `${server.url}/graphql`));
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toMatch(reference.endsWith(".css") ? /^text\/css/ : /javascript/);
      expect(asset.headers.get("x-content-type-options")).toBe("nosniff");
      const text = await asset.text();
      expect(text.length).toBeGreaterThan(100);
      expect(text).not.toMatch(/sourceMappingURL=/);
      for (const url of absoluteUrls(text)) {
        if (!neverFetched(url)) throw new Error(`${reference} names ${url}, which is not known to be never fetched`);
        found.add(url);
      }
    }
    // The list is kept to what the files hold, so that it shrinks with them.
    for (const allowed of Object.keys(URLS_NEVER_FETCHED)) {
      expect([...found].some((url) => url === allowed || url.startsWith(`${allowed}/`))).toBe(true);
    }
  });

  it("serves only the files the page names", async () => {
    for (const name of ["graphiql.min.js.map", "..%2F..%2Fpackage.json", "%2E%2E%2Fmain.js", "index.html"]) {
      const response = await fetch(`${server.url}/graphiql/assets/${name}`);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: "not found" });
    }
  });

  it("has the browser allow this origin only, for scripts, styles, fonts and connections", async () => {
    const policy = (await page(server.url)).headers.get("content-security-policy") ?? "";
    const directives = Object.fromEntries(policy.split(/;\s*/).map((part) => [part.split(" ")[0], part]));
    expect(directives["default-src"]).toBe("default-src 'none'");
    expect(directives["script-src"]).toBe("script-src 'self'");
    expect(directives["connect-src"]).toBe("connect-src 'self'");
    expect(directives["font-src"]).toBe("font-src 'self' data:");
    expect(directives["frame-ancestors"]).toBe("frame-ancestors 'none'");
    expect(policy).not.toMatch(/https?:|\*/);
  });

  it("opens with an authorization header to fill in, kept out of storage, and subscriptions over graphql-ws", async () => {
    const start = await (await fetch(`${server.url}/graphiql/assets/graphiql-start.js`)).text();
    expect(start).toContain(`defaultHeaders: '{\\n  "authorization": "Bearer "\\n}'`);
    expect(start).toContain("shouldPersistHeaders: false");
    expect(start).toContain("graphqlWs.createClient({ url: socketEndpoint, connectionParams: params");
  });

  it("leaves GraphQL over GET and POST as they were", async () => {
    const viaGet = await fetch(`${server.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "application/json", "apollo-require-preflight": "true" },
    });
    expect(await viaGet.json()).toEqual({ data: { __typename: "Query" } });
    const viaPost = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(await viaPost.json()).toEqual({ data: { __typename: "Query" } });
  });
});

describe("in production", () => {
  it("is off unless GRAPHIQL_ENABLED=true; a value that is not true or false refuses to start", () => {
    expect(loadSettings({}).graphiql).toBe(true);
    expect(loadSettings({ NODE_ENV: "production" }).graphiql).toBe(false);
    expect(loadSettings({ NODE_ENV: "production", GRAPHIQL_ENABLED: "true" }).graphiql).toBe(true);
    expect(loadSettings({ GRAPHIQL_ENABLED: "false" }).graphiql).toBe(false);
    expect(() => loadSettings({ GRAPHIQL_ENABLED: "on" })).toThrow("GRAPHIQL_ENABLED: must be true or false");
  });

  it("serves neither the page nor its assets by default, nor Apollo's landing page", async () => {
    const server = await startTestServer({ NODE_ENV: "production" });
    try {
      const response = await page(server.url);
      expect(response.headers.get("content-type")).not.toMatch(/html/);
      expect(await response.text()).not.toMatch(/<html|graphiql|apollographql/i);
      expect((await fetch(`${server.url}/graphiql/assets/graphiql.min.js`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("serves GraphiQL with GRAPHIQL_ENABLED=true", async () => {
    const server = await startTestServer({ NODE_ENV: "production", GRAPHIQL_ENABLED: "true" });
    try {
      const response = await page(server.url);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<div id="graphiql">');
      const asset = await fetch(`${server.url}/graphiql/assets/graphiql.min.js`);
      expect(asset.status).toBe(200);
      expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
    } finally {
      await server.close();
    }
  });
});
