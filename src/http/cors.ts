import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "cors";

// Browsers on the origins listed in CORS_ORIGINS may call the API; every other origin, and all of them when the list
// is empty, gets no CORS header, so the browser keeps the answer from the page (and a preflight is refused outright).
// Keys travel in the Authorization header, never in cookies, so credentials are not allowed.

/** What a browser may send: the key, JSON, a request id, and Apollo's CSRF-prevention headers (uploads need one). */
export const CORS_ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "x-request-id",
  "apollo-require-preflight",
  "x-apollo-operation-name",
];

/** How long a browser may reuse a preflight's answer (Chromium caps it at 2 hours, Firefox at 24). */
export const PREFLIGHT_MAX_AGE_SECONDS = 7_200;

type Next = () => void;

/**
 * Answers preflights (OPTIONS with Access-Control-Request-Method) itself, and adds the CORS headers to an allowed
 * origin's requests before calling `next`. A request without `Origin` (a server, curl) passes untouched.
 */
export function browserAccess(
  origins: readonly string[],
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const allowed = new Set(origins);
  const allow = cors({
    // Reflects the request's origin: called only once the origin is known to be allowed.
    origin: true,
    methods: ["GET", "POST"],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: ["X-Request-Id"],
    maxAge: PREFLIGHT_MAX_AGE_SECONDS,
    credentials: false,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    // Answers differ by origin (images are cacheable by shared caches), so say so on every one once any is allowed.
    if (allowed.size > 0) res.setHeader("Vary", "Origin");
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    if (allowed.has(origin)) return allow(req, res, next);
    if (!isPreflight(req)) return next();
    res.statusCode = 403;
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(JSON.stringify({ error: "origin not allowed" }));
  };
}

function isPreflight(req: IncomingMessage): boolean {
  return req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
}
