import { readFileSync } from "node:fs";
import type http from "node:http";
import type { Logger } from "../domain/logger";

// Bounds on what clients can hold open. Without a cap, 20,000 idle sockets took every file descriptor of the
// process: the database pool, the image files and the providers' sockets then failed too. Past MAX_CONNECTIONS, Node
// closes a new connection as soon as it is accepted, and connections already open are served as before.

/** Time for a client to send a request's headers; a connection that sends nothing is closed after it too. */
const HEADERS_TIMEOUT_MS = 20_000;
/** Time to receive a whole request (bodies are at most 1 MB); answering may take longer (a generation does). */
const REQUEST_TIMEOUT_MS = 60_000;
/**
 * An idle keep-alive connection is closed after this. Longer than load balancers' idle timeouts (60 s on AWS's
 * ALB and Google's), so that the balancer closes first and never sends a request on a connection we are closing.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** How often Node looks for connections past the two timeouts above (its default is 30 s). */
const CONNECTIONS_CHECKING_INTERVAL_MS = 5_000;
const DEFAULT_MAX_CONNECTIONS = 10_000;
/** At most one warning this often while connections are being refused. */
const DROP_WARNING_INTERVAL_MS = 10_000;

export const SERVER_TIMEOUTS = {
  headersTimeout: HEADERS_TIMEOUT_MS,
  requestTimeout: REQUEST_TIMEOUT_MS,
  connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
} as const satisfies http.ServerOptions;

/**
 * Half the process's limit on open files (the other half is for the database, image files, provider sockets and
 * an image being streamed to each client), at most 10,000; 10,000 where the limit cannot be read (not Linux).
 */
export function defaultMaxConnections(limits = readLimits()): number {
  const soft = /^Max open files\s+(\d+)/m.exec(limits ?? "")?.[1];
  if (soft === undefined) return DEFAULT_MAX_CONNECTIONS;
  return Math.max(1, Math.min(DEFAULT_MAX_CONNECTIONS, Math.floor(Number(soft) / 2)));
}

function readLimits(): string | undefined {
  try {
    return readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
}

/** Caps connections and sets the keep-alive timeout; the other timeouts are SERVER_TIMEOUTS, given at creation. */
export function limitConnections(
  server: http.Server,
  args: { maxConnections: number; logger: Logger; onDrop: () => void },
): void {
  server.maxConnections = args.maxConnections;
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  let droppedSinceWarning = 0;
  let lastWarningMs = -Infinity;
  server.on("drop", () => {
    args.onDrop();
    droppedSinceWarning++;
    const nowMs = Date.now();
    if (nowMs - lastWarningMs < DROP_WARNING_INTERVAL_MS) return;
    args.logger.warn(
      { maxConnections: args.maxConnections, dropped: droppedSinceWarning },
      "refusing connections: MAX_CONNECTIONS are open",
    );
    lastWarningMs = nowMs;
    droppedSinceWarning = 0;
  });
}
