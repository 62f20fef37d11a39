import path from "node:path";
import express, { type Request, type Response } from "express";

/** Where `npm run build` (Vite) writes the console: console/dist beside src/ and dist/ alike. */
export const CONSOLE_DIR = path.resolve(__dirname, "../../console/dist");

// The console is a static app calling /graphql and /reports on this origin: nothing else may load or be reached,
// and no other site may frame it (its forms change credits and keys). Styles are a file; React and Chart.js set
// element styles from script, which style-src does not govern.
const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
};

function secure(res: Response): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/**
 * GET /console/...: the built files (assets are named by content hash, so cached for good), and index.html for
 * any other path under /console, where the app's own router takes over. Built at install (`npm run build`), never
 * at start: without a build, a 503 says how to make one.
 */
export function consoleApp(dir = CONSOLE_DIR): express.Router {
  const router = express.Router();
  router.use(
    "/console/assets",
    express.static(path.join(dir, "assets"), {
      immutable: true,
      maxAge: "365d",
      index: false,
      setHeaders: secure,
    }),
    // An asset that is not there (an old build's name) is a 404, not the app's page.
    (_req: Request, res: Response) => void res.status(404).json({ error: "not found" }),
  );
  router.get(["/console", "/console/{*rest}"], (_req: Request, res: Response) => {
    secure(res);
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(path.join(dir, "index.html"), (error) => {
      if (error === undefined || res.headersSent) return;
      res.removeHeader("Cache-Control");
      res
        .status(503)
        .json({ error: "The console is not built: run `npm run build` (npm install does) and restart the server" });
    });
  });
  return router;
}
