import type { WebSocket } from "ws";
import type { Authenticator } from "../../domain/accounts/authenticator";
import type { Principal } from "../../domain/accounts/principal";
import { describeError, type Logger } from "../../domain/logger";
import { CLOSE } from "./close-codes";

/** One open graphql-ws connection: its socket, the request that opened it and, once it sent connection_init, its key. */
export interface LiveConnection {
  socket: WebSocket;
  requestId: string;
  logger: Logger;
  startedMs: number;
  /** Set once connection_init carried a valid key. */
  secret?: string;
  principal?: Principal;
  /** Subscriptions running now, and in all. */
  running: number;
  started: number;
}

/** How long sockets are given to answer a close before they are cut, at shutdown. */
const CLOSE_HANDSHAKE_MS = 1_000;

/**
 * The process's graphql-ws connections: the bounds on them (in all, and per API key), the re-check of their keys
 * when principals change (a revoked key's socket is closed), and their close at shutdown.
 */
export class LiveConnections {
  private readonly connections = new Set<LiveConnection>();
  private readonly perKey = new Map<string, number>();
  private checking: Promise<void> | undefined;
  private checkAgain = false;

  constructor(
    private readonly authenticator: Authenticator,
    private readonly limits: { maxConnections: number; maxConnectionsPerKey: number },
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.connections.size;
  }

  /** A socket opened: false when MAX are open already (the caller closes it). */
  open(connection: LiveConnection): boolean {
    if (this.connections.size >= this.limits.maxConnections) return false;
    this.connections.add(connection);
    return true;
  }

  /** Its key checked: false when the key has its most connections open already. */
  authenticated(connection: LiveConnection, secret: string, principal: Principal): boolean {
    const count = this.perKey.get(principal.apiKeyId) ?? 0;
    if (count >= this.limits.maxConnectionsPerKey) return false;
    this.perKey.set(principal.apiKeyId, count + 1);
    connection.secret = secret;
    connection.principal = principal;
    return true;
  }

  closed(connection: LiveConnection): void {
    if (!this.connections.delete(connection)) return;
    const keyId = connection.principal?.apiKeyId;
    if (keyId === undefined) return;
    const count = (this.perKey.get(keyId) ?? 1) - 1;
    if (count <= 0) this.perKey.delete(keyId);
    else this.perKey.set(keyId, count);
  }

  /**
   * Principals changed somewhere (a key revoked, a role changed), or their notifications may have been missed: every
   * open socket's key is checked again, each distinct key once, and a socket whose key no longer gives the same
   * user and role is closed (4403). Checks asked for during one run once more after it.
   */
  recheck(): void {
    if (this.checking !== undefined) {
      this.checkAgain = true;
      return;
    }
    this.checking = this.checkAll().finally(() => {
      this.checking = undefined;
      if (this.checkAgain) {
        this.checkAgain = false;
        this.recheck();
      }
    });
  }

  /** Resolves when the checks asked for so far are done (tests wait on it). */
  async settled(): Promise<void> {
    while (this.checking !== undefined) await this.checking;
  }

  private async checkAll(): Promise<void> {
    const bySecret = new Map<string, LiveConnection[]>();
    for (const connection of this.connections) {
      if (connection.secret === undefined) continue;
      const same = bySecret.get(connection.secret) ?? [];
      same.push(connection);
      bySecret.set(connection.secret, same);
    }
    for (const [secret, connections] of bySecret) {
      let principal: Principal | null;
      try {
        principal = await this.authenticator.authenticate(secret);
      } catch (error) {
        // Kept open: the next change, or the listener's return, checks again.
        this.logger.warn({ cause: describeError(error) }, "re-checking a WebSocket's API key failed");
        continue;
      }
      for (const connection of connections) {
        const was = connection.principal;
        if (principal !== null && principal.userId === was?.userId && principal.role === was.role) continue;
        connection.logger.info({ principalId: was?.userId }, "closing WebSocket: its API key was revoked or changed");
        connection.socket.close(CLOSE.revoked.code, CLOSE.revoked.reason);
      }
    }
  }

  /** Shutdown: every socket is told 1001 (going away), and those that do not answer in a second are cut. */
  async closeAll(): Promise<void> {
    const sockets = [...this.connections].map((connection) => connection.socket);
    if (sockets.length === 0) return;
    const allClosed = Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === socket.CLOSED) return resolve();
            socket.once("close", () => resolve());
            socket.close(CLOSE.goingAway.code, CLOSE.goingAway.reason);
          }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_HANDSHAKE_MS)));
    await Promise.race([allClosed, late]);
    clearTimeout(timer);
    for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
  }
}
