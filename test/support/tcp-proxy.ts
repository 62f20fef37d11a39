import net from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of another address (a PostgreSQL server), that a test can cut and restore:
 * cut() drops every open connection and refuses new ones (the port stops listening), as a database that went away
 * does; restore() listens again on the same port.
 */
export interface TcpProxy {
  port: number;
  /** `url` (a postgresql:// URL) with its host and port replaced by the proxy's. */
  proxiedUrl(url: string): string;
  /** Connections accepted so far. */
  connectionCount(): number;
  /**
   * Cuts the connection that next sends a message containing `marker` (a prepared statement's name is in every
   * Bind) when the database answers it: a statement that commits by itself has then committed, and its caller never
   * learns so. Other connections, and new ones, go on. Resolves once it has cut; one armed at a time.
   */
  dropAnswerTo(marker: string): Promise<void>;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A proxy to the host and port of `targetUrl` (a postgresql:// URL). */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const parsed = new URL(targetUrl);
  const target = { host: parsed.hostname === "" ? "127.0.0.1" : parsed.hostname, port: Number(parsed.port || 5432) };
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let armed: { marker: Buffer; cut(): void } | null = null;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      // A reset on one side ends the other; the error itself is what the test provokes.
      socket.on("error", () => undefined);
    }
    let cutOnAnswer: (() => void) | null = null;
    let tail = Buffer.alloc(0); // the end of the last chunk, for a marker split between two
    client.on("data", (chunk: Buffer) => {
      if (armed !== null) {
        const seen = Buffer.concat([tail, chunk]);
        if (seen.includes(armed.marker)) {
          cutOnAnswer = armed.cut;
          armed = null;
        }
        tail = seen.subarray(Math.max(0, seen.length - 256));
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (cutOnAnswer === null) return void client.write(chunk);
      client.destroy();
      upstream.destroy();
      cutOnAnswer();
    });
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    proxiedUrl(url) {
      const parsed = new URL(url);
      parsed.hostname = "127.0.0.1";
      parsed.port = String(port);
      return parsed.toString();
    },
    connectionCount: () => accepted,
    dropAnswerTo: (marker) => new Promise<void>((resolve) => (armed = { marker: Buffer.from(marker), cut: resolve })),
    cut: stopListening,
    restore: () => listen(port),
    close: stopListening,
  };
}
