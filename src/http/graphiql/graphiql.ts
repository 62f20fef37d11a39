import { existsSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import type express from "express";
import type { NextFunction, Request, Response } from "express";
import type { Logger } from "../../domain/logger";

// GraphiQL at GET /graphql for a browser (Accept: text/html), from files we serve ourselves: GraphiQL's, React's and
// graphql-ws's prebuilt browser bundles from their npm packages, copied with ours into dist/graphiql by the build
// (scripts/graphiql-assets.cjs), so that it works with no network, reaches no other host and sends no telemetry. The
// page's Content-Security-Policy makes the browser hold it to that: scripts, styles and connections to this origin
// only (fonts and icons are data: URLs inside GraphiQL's CSS).

/** The package root's dist/graphiql, the same from src/ (tests) and dist/ (npm start). */
export const GRAPHIQL_ASSETS_DIR = path.resolve(__dirname, "..", "..", "..", "dist", "graphiql");
/** Where the assets are served; the page names them relative to /graphql, so a path prefix in front works too. */
const ASSETS_ROUTE = "/graphiql/assets";

const STYLES = ["graphiql.min.css"];
/** In load order: GraphiQL's UMD bundle needs the React and ReactDOM globals; our start script needs them all. */
const SCRIPTS = [
  "react.production.min.js",
  "react-dom.production.min.js",
  "graphql-ws.min.js",
  "graphiql.min.js",
  "graphiql-start.js",
];

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set inline styles.
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  // This origin, http(s) and ws(s): the queries, and subscriptions over graphql-ws on the same path.
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="robots" content="noindex" />
    <title>imagegate: GraphiQL</title>
${STYLES.map((name) => `    <link rel="stylesheet" href="graphiql/assets/${name}" />`).join("\n")}
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
${SCRIPTS.map((name) => `    <script src="graphiql/assets/${name}"></script>`).join("\n")}
  </body>
</html>
`;

/** Whether a request to /graphql is a browser asking for a page: GraphiQL then, when it is on. */
export function wantsGraphiQL(request: IncomingMessage): boolean {
  return (
    (request.method === "GET" || request.method === "HEAD") && request.headers.accept?.includes("text/html") === true
  );
}

/** Serves the page at GET /graphql and its assets under /graphiql/assets. */
export function graphiqlRoutes(app: express.Express, logger: Logger): void {
  const built = SCRIPTS.concat(STYLES).every((name) => existsSync(path.join(GRAPHIQL_ASSETS_DIR, name)));
  if (!built) logger.warn({ dir: GRAPHIQL_ASSETS_DIR }, "GraphiQL's files are not built: run `npm run build`");
  // Only the files the page names; a route, not a mounted static folder, so the access log keeps the request's path.
  const assets = new Set([...SCRIPTS, ...STYLES]);
  app.get(`${ASSETS_ROUTE}/:file`, (req: Request, res: Response, next: NextFunction) => {
    const { file } = req.params as { file: string };
    if (!assets.has(file)) return next();
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.sendFile(file, { root: GRAPHIQL_ASSETS_DIR, dotfiles: "deny" }, (error) => {
      if (error !== undefined && !res.headersSent) next(error);
    });
  });
  app.get("/graphql", (_req: Request, res: Response) => {
    if (!built) {
      res.status(503).type("text/plain").send("GraphiQL's files are not built: run `npm run build`\n");
      return;
    }
    res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    res.setHeader("Cache-Control", "no-store");
    res.type("html").send(PAGE);
  });
}
