import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { createImagegateClient, ImagegateError } from "@imagegate/sdk";
import { buildSchema, parse } from "graphql";
import { useServer } from "graphql-ws/use/ws";
import { WebSocket, WebSocketServer } from "ws";

// The SDK's subscribe() against graphql-ws's own server (the protocol imagegate's /graphql speaks for subscriptions):
// the key in the connection_init payload, events in order, the end, and a refused key as a typed error. imagegate's
// generationUpdated is tested where its server side is.

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Subscription { count(to: Int!): Int! }
`);
const CountDocument = parse("subscription Count($to: Int!) { count(to: $to) }") as TypedDocumentNode<
  { count: number },
  { to: number }
>;

let server: http.Server;
let url: string;
const connectionPayloads: unknown[] = [];

beforeAll(async () => {
  server = http.createServer();
  const sockets = new WebSocketServer({ server, path: "/graphql" });
  useServer(
    {
      schema,
      roots: {
        subscription: {
          count: async function* ({ to }: { to: number }) {
            for (let value = 1; value <= to; value++) yield { count: value };
          },
        },
      },
      onConnect: (context) => {
        connectionPayloads.push(context.connectionParams);
        // false: graphql-ws closes the socket with 4403 Forbidden.
        return context.connectionParams?.authorization === "Bearer igk_good";
      },
    },
    sockets,
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

it("authenticates with the connection_init payload and yields the events in order until the end", async () => {
  const client = createImagegateClient({ url, apiKey: "igk_good", webSocketImpl: WebSocket });
  try {
    const counts: number[] = [];
    for await (const event of client.subscribe(CountDocument, { to: 3 })) counts.push(event.count);
    expect(counts).toEqual([1, 2, 3]);
    expect(connectionPayloads.at(-1)).toEqual({ authorization: "Bearer igk_good" });
  } finally {
    await client.dispose();
  }
});

it("stops the subscription when the loop leaves early", async () => {
  const client = createImagegateClient({ url, apiKey: "igk_good", webSocketImpl: WebSocket });
  try {
    const counts: number[] = [];
    for await (const event of client.subscribe(CountDocument, { to: 1000 })) {
      counts.push(event.count);
      if (event.count === 2) break;
    }
    expect(counts).toEqual([1, 2]);
  } finally {
    await client.dispose();
  }
});

it("throws FORBIDDEN when the server refuses the key", async () => {
  const client = createImagegateClient({ url, apiKey: "igk_bad", webSocketImpl: WebSocket });
  try {
    const events = client.subscribe(CountDocument, { to: 1 });
    const error = await events.next().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ImagegateError);
    expect((error as ImagegateError).code).toBe("FORBIDDEN");
    expect((error as ImagegateError).extensions.closeCode).toBe(4403);
    expect(connectionPayloads.at(-1)).toEqual({ authorization: "Bearer igk_bad" });
  } finally {
    await client.dispose();
  }
});
