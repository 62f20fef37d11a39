import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { httpFetch } from "../../src/providers/http-fetch";
import { eventually } from "../support/eventually";

// The OpenAI SDK's transport (src/providers/http-fetch.ts) against a real socket: what the SDK relies on.

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let server: Server;
let origin: string;
let handle: Handler;
beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", () => handle(request, body, response));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it("sends method, headers and body, and answers status, headers and body", async () => {
  let seen: { method?: string; auth?: string; body?: string } = {};
  handle = (request, body, response) => {
    seen = { method: request.method, auth: request.headers.authorization, body };
    response.setHeader("set-cookie", ["a=1", "b=2"]);
    response.writeHead(201, "Made", { "content-type": "application/json", "x-request-id": "req_1" });
    response.end(JSON.stringify({ ok: true }));
  };

  const response = await httpFetch(`${origin}/v1/images/generations`, {
    method: "POST",
    headers: { authorization: "Bearer k", "content-type": "application/json" },
    body: JSON.stringify({ prompt: "p" }),
  });

  expect(seen).toEqual({ method: "POST", auth: "Bearer k", body: '{"prompt":"p"}' });
  expect(response.status).toBe(201);
  expect(response.statusText).toBe("Made");
  expect(response.headers.get("x-request-id")).toBe("req_1");
  expect(response.headers.get("set-cookie")).toBe("a=1, b=2");
  expect(response.headers.get("X-Request-Id")).toBe("req_1");
  expect(response.headers.has("content-type")).toBe(true);
  expect([...response.headers.entries()]).toContainEqual(["x-request-id", "req_1"]);
  expect(response.ok).toBe(true);
  expect(response.url).toBe(`${origin}/v1/images/generations`);
  expect(await response.json()).toEqual({ ok: true });
});

it("answers an error status as not ok, with its body", async () => {
  handle = (_request, _body, response) => response.writeHead(503, { "retry-after-ms": "10" }).end("busy");
  const response = await httpFetch(`${origin}/busy`);
  expect(response.ok).toBe(false);
  expect(response.status).toBe(503);
  expect(response.headers.get("retry-after-ms")).toBe("10");
  expect(await response.text()).toBe("busy");
});

it("answers a 204 with no body", async () => {
  handle = (_request, _body, response) => response.writeHead(204).end();
  const response = await httpFetch(new URL(`${origin}/empty`));
  expect(response.status).toBe(204);
  expect(await response.text()).toBe("");
});

it("rejects with an AbortError when the signal aborts mid-request, and before it starts", async () => {
  handle = () => undefined; // never answers
  const controller = new AbortController();
  const pending = httpFetch(`${origin}/hang`, { signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  await expect(httpFetch(`${origin}/hang`, { signal: AbortSignal.abort() })).rejects.toMatchObject({
    name: "AbortError",
  });
});

it("rejects a refused connection as fetch does: TypeError with the socket error as cause", async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const error = (await httpFetch(`http://127.0.0.1:${port}/`).catch((caught: unknown) => caught)) as Error;
  expect(error.name).toBe("TypeError");
  expect(error.cause).toMatchObject({ code: "ECONNREFUSED" });
});

it("sends a FormData as multipart/form-data with its boundary and Content-Length (the SDK's uploads)", async () => {
  let seen: { type?: string; length?: string; fields?: Record<string, string> } = {};
  handle = (request, body, response) => {
    seen = { type: request.headers["content-type"], length: request.headers["content-length"] };
    void new Response(body, { headers: { "content-type": seen.type! } }).formData().then((form) => {
      seen.fields = Object.fromEntries([...form.entries()].map(([name, value]) => [name, String(value)]));
      response.end("{}");
    });
  };
  const form = new FormData();
  form.append("prompt", "p");
  form.append("n", "2");
  const response = await httpFetch(`${origin}/`, { method: "POST", body: form });

  expect(response.status).toBe(200);
  expect(seen.type).toMatch(/^multipart\/form-data; boundary=/);
  expect(Number(seen.length)).toBeGreaterThan(0);
  expect(seen.fields).toEqual({ prompt: "p", n: "2" });
});

it("refuses bodies it cannot send and protocols it does not speak", async () => {
  await expect(httpFetch(`${origin}/`, { method: "POST", body: new Blob(["x"]) })).rejects.toThrow(
    "string or byte bodies",
  );
  await expect(httpFetch("ftp://127.0.0.1/")).rejects.toThrow("unsupported protocol");
});

describe("body caps", () => {
  const big = Buffer.alloc(100_000, "x");

  it.each([
    ["with Content-Length", true],
    ["chunked", false],
  ])("answers a body past maxResponseBytes (%s) with a body that rejects, and stops reading", async (_, sized) => {
    let closed = false;
    handle = (_request, _body, response) => {
      response.on("close", () => (closed = true));
      response.writeHead(200, sized ? { "content-length": String(big.length * 50) } : {});
      const write = () => {
        while (!response.destroyed && response.write(big));
        if (!response.destroyed) response.once("drain", write);
      };
      write();
    };

    const response = await httpFetch(`${origin}/big`, { maxResponseBytes: 64 * 1024 } as RequestInit);

    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toMatchObject({ name: "ResponseTooLargeError", limitBytes: 65536 });
    await expect(response.json()).rejects.toMatchObject({ name: "ResponseTooLargeError" });
    await expect(response.arrayBuffer()).rejects.toMatchObject({ name: "ResponseTooLargeError" });
    await eventually(() => closed, 10_000, "the server to see the connection dropped");
  });

  it("reads a body up to maxResponseBytes", async () => {
    handle = (_request, _body, response) => response.writeHead(200).end(big);

    const response = await httpFetch(`${origin}/fits`, { maxResponseBytes: big.length } as RequestInit);

    expect((await response.text()).length).toBe(big.length);
  });

  it("caps an error's body at 64 KiB whatever maxResponseBytes says, and others at 4 MiB", async () => {
    handle = (request, _body, response) =>
      response
        .writeHead(request.url === "/error" ? 500 : 200)
        .end(Buffer.alloc(request.url === "/error" ? 65_537 : 4 * 1024 * 1024 + 1));

    const error = await httpFetch(`${origin}/error`, { maxResponseBytes: 1024 * 1024 } as RequestInit);
    const unnamed = await httpFetch(`${origin}/default`);

    expect(error.status).toBe(500);
    await expect(error.text()).rejects.toMatchObject({ limitBytes: 65_536 });
    await expect(unnamed.text()).rejects.toMatchObject({ limitBytes: 4 * 1024 * 1024 });
  });
});
