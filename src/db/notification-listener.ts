import pg from "pg";
import { describeError, type Logger } from "../domain/logger";

export interface NotificationListener {
  stop(): Promise<void>;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * LISTENs on `channel` on a connection of its own, reconnecting (with backoff) whenever it is lost. `onListening`
 * runs each time notifications are flowing again, `onLost` when they may have stopped: anything the caller keeps
 * because it would be told of changes is only safe to keep between the two.
 */
export function listenForNotifications(args: {
  databaseUrl: string;
  channel: string;
  /** Each notification's payload ('' when it has none), in the order PostgreSQL delivers them. */
  onNotification(payload: string): void;
  onListening(): void;
  onLost(): void;
  logger: Logger;
}): NotificationListener {
  let stopped = false;
  let client: pg.Client | undefined;
  let retryMs = FIRST_RETRY_MS;
  let timer: NodeJS.Timeout | undefined;

  const lost = (error: unknown) => {
    if (stopped || client === undefined) return;
    args.onLost();
    args.logger.warn(
      { channel: args.channel, cause: describeError(error) },
      "notification listener lost; reconnecting",
    );
    const dead = client;
    client = undefined;
    dead.end().catch(() => undefined);
    timer = setTimeout(connect, retryMs);
    timer.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  };

  const connect = async () => {
    if (stopped) return;
    const candidate = new pg.Client({ connectionString: args.databaseUrl });
    client = candidate;
    // Only the current connection's failure counts: a dead one's late events must not end its successor.
    candidate.on("error", (error) => client === candidate && lost(error));
    candidate.on("end", () => client === candidate && lost(new Error("connection ended")));
    candidate.on("notification", (message) => {
      if (message.channel === args.channel) args.onNotification(message.payload ?? "");
    });
    try {
      await candidate.connect();
      await candidate.query(`LISTEN ${pg.escapeIdentifier(args.channel)}`);
      retryMs = FIRST_RETRY_MS;
      if (!stopped && client === candidate) args.onListening();
    } catch (error) {
      if (client === candidate) lost(error);
    }
  };

  void connect();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      args.onLost();
      await client?.end().catch(() => undefined);
    },
  };
}
