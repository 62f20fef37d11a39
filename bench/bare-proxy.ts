// The floor for one Node hop: a reverse proxy of a few lines (node:http, keep-alive to the upstream), as its own
// process. Prints {"url": "..."} on stdout once listening.
//
//   UPSTREAM_URL=http://127.0.0.1:PORT PORT=0 node -r @swc-node/register bench/bare-proxy.ts
import http from "node:http";
import type { AddressInfo } from "node:net";

const upstream = new URL(process.env.UPSTREAM_URL ?? "http://127.0.0.1:8080");
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

const server = http.createServer((req, res) => {
  const forwarded = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: upstream.host },
      agent,
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  forwarded.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(forwarded);
});

server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
