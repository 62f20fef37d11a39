// WebSocket close codes imagegate ends a graphql-ws connection with (4400-4499 are graphql-ws's range, and its
// client gives up on 4401 and 4429 rather than reconnecting).

export const CLOSE = {
  /** RFC 6455: the server is going down; reconnect (to another process). */
  goingAway: { code: 1001, reason: "imagegate is shutting down; reconnect" },
  /** RFC 6455: try again later (the database did not answer while the key was checked). */
  tryAgainLater: { code: 1013, reason: "The service is temporarily unavailable; reconnect shortly" },
  /** No key in connection_init, or one that is unknown or revoked. */
  unauthenticated: { code: 4401, reason: "A valid API key is required in connection_init's authorization" },
  /** A key revoked, or its user's access changed, while the socket was open. */
  revoked: { code: 4403, reason: "This API key was revoked or its access changed" },
  /** Too many connections: for this key, or to this process. */
  tooManyForKey: { code: 4429, reason: "Too many open connections for this API key" },
  tooMany: { code: 4429, reason: "Too many open WebSocket connections; try again later" },
} as const;
