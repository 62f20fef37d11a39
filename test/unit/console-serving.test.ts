import http from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import express from "express";
import { consoleApp } from "../../src/http/console";

// How /console is served (src/http/console.ts), over real HTTP, from a build folder made here: the app's page for
// any path under /console, hashed assets cached for good, a missing asset a 404 (not the page), no build a 503.

let root: string;
let built: { url: string; close(): Promise<void> };
let unbuilt: { url: string; close(): Promise<void> };

async function serve(dir: string) {
  const app = express();
  app.use(consoleApp(dir));
  app.use((_req: express.Request, res: express.Response) => void res.status(404).json({ error: "not found" }));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "imagegate-console-"));
  await mkdir(path.join(root, "dist", "assets"), { recursive: true });
  await writeFile(path.join(root, "dist", "index.html"), '<!doctype html><div id="root"></div>');
  await writeFile(path.join(root, "dist", "assets", "index-abc123.js"), "console.log(1)");
  built = await serve(path.join(root, "dist"));
  unbuilt = await serve(path.join(root, "missing"));
});

afterAll(async () => {
  await built.close();
  await unbuilt.close();
  await rm(root, { recursive: true, force: true });
});

test("any path under /console is the app's page, never cached, with a policy that allows this origin alone", async () => {
  for (const where of ["/console", "/console/", "/console/admin/users/123"]) {
    const response = await fetch(`${built.url}${where}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="root">');
    expect(response.headers.get("cache-control")).toBe("no-cache");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  }
});

test("assets are cached for good; one that is not there is a 404, not the page", async () => {
  const asset = await fetch(`${built.url}/console/assets/index-abc123.js`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get("cache-control")).toContain("immutable");
  const missing = await fetch(`${built.url}/console/assets/index-old.js`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({ error: "not found" });
});

test("paths outside /console are left to the rest of the server", async () => {
  expect((await fetch(`${built.url}/consolex`)).status).toBe(404);
});

test("without a build, a 503 says how to make one", async () => {
  const response = await fetch(`${unbuilt.url}/console/finance/spend`);
  expect(response.status).toBe(503);
  expect((await response.json()) as { error: string }).toEqual({ error: expect.stringContaining("npm run build") });
});
