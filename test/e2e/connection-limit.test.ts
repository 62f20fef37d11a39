import net from "node:net";
import { eventually } from "../support/eventually";
import { startTestServer, type TestServer } from "../support/test-server";

// 20,000 idle sockets once took every file descriptor of the process. Past MAX_CONNECTIONS a new connection is
// closed as soon as it is accepted, and the connections already open are served as before.

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MAX_CONNECTIONS: "3" });
});
afterAll(() => server.close());

/** A raw keep-alive HTTP/1.1 connection: sends requests, reads whole answers (this test's are small). */
class Connection {
  private readonly socket: net.Socket;
  private received = "";
  closed = false;

  constructor(port: number) {
    this.socket = net.connect(port, "127.0.0.1");
    this.socket.setEncoding("utf8");
    this.socket.on("data", (chunk: string) => (this.received += chunk));
    this.socket.on("close", () => (this.closed = true));
    this.socket.on("error", () => undefined);
  }

  /** GET /healthz; the status line of the answer, or null when the server closed the connection instead. */
  async healthz(): Promise<string | null> {
    this.received = "";
    this.socket.write("GET /healthz HTTP/1.1\r\nHost: imagegate\r\n\r\n");
    await eventually(() => this.closed || this.received.endsWith('{"status":"ok"}'), 10_000, "an answer or a close");
    return this.closed && this.received === "" ? null : this.received.split("\r\n")[0]!;
  }

  close(): void {
    this.socket.destroy();
  }
}

it("refuses connections past MAX_CONNECTIONS while those open still work, and takes new ones once some close", async () => {
  const port = Number(new URL(server.url).port);
  // Each has had an answer, so the server holds all three.
  const open = [new Connection(port), new Connection(port), new Connection(port)];
  for (const connection of open) expect(await connection.healthz()).toBe("HTTP/1.1 200 OK");

  const extra = [new Connection(port), new Connection(port)];
  for (const connection of extra) expect(await connection.healthz()).toBeNull();
  expect(await open[0]!.healthz()).toBe("HTTP/1.1 200 OK");

  open[2]!.close();
  // The server counts the closed one out once it sees the close; a new connection is then served.
  await eventually(
    async () => {
      const next = new Connection(port);
      const answered = (await next.healthz()) !== null;
      next.close();
      return answered;
    },
    10_000,
    "a connection accepted again",
  );
  for (const connection of open) connection.close();
});
