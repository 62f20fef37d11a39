import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

// A graphql-ws client over the ws package, as a Node frontend would connect: connection_init carries the key.

export interface WsSession {
  client: Client;
  /** Resolves with the close event's code and reason once the socket is closed (by either side). */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once the server acknowledged connection_init. */
  acknowledged: Promise<void>;
  dispose(): Promise<void>;
}

export function connectWs(
  baseUrl: string,
  apiKey: string | undefined,
  headers: Record<string, string> = {},
): WsSession {
  let closedWith: (event: { code: number; reason: string }) => void = () => undefined;
  let acked: () => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (closedWith = resolve));
  const acknowledged = new Promise<void>((resolve) => (acked = resolve));
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: `${baseUrl.replace(/^http/, "ws")}/graphql`,
    webSocketImpl: WithHeaders,
    connectionParams: apiKey === undefined ? undefined : { authorization: `Bearer ${apiKey}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    on: {
      connected: () => acked(),
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closedWith({ code, reason: String(reason) });
      },
    },
  });
  return {
    client,
    closed,
    acknowledged,
    dispose: async () => {
      await client.dispose();
    },
  };
}

export interface Subscription<TData> {
  /** Each `next` payload's data, in order. */
  events: TData[];
  /** Resolves when the server completes it, or with the errors (or the close event) it ended with. */
  ended: Promise<{ completed: true } | { errors: readonly GraphQLFormattedError[] } | { closed: unknown }>;
  /** Resolves once at least `count` events have arrived. */
  received(count: number): Promise<TData[]>;
}

export function subscribe<TData, TVariables extends Record<string, unknown>>(
  session: WsSession,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Subscription<TData> {
  const events: TData[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  let end: (outcome: Awaited<Subscription<TData>["ended"]>) => void = () => undefined;
  const ended = new Promise<Awaited<Subscription<TData>["ended"]>>((resolve) => (end = resolve));
  session.client.subscribe<TData>(
    { query: print(document), variables },
    {
      next: (result) => {
        if (result.errors !== undefined) end({ errors: result.errors });
        if (result.data !== undefined && result.data !== null) events.push(result.data);
        for (const waiter of waiters.filter((w) => events.length >= w.count)) waiter.resolve();
      },
      error: (error) =>
        end(Array.isArray(error) ? { errors: error as GraphQLFormattedError[] } : { closed: error as unknown }),
      complete: () => end({ completed: true }),
    },
  );
  return {
    events,
    ended,
    received: (count) =>
      new Promise((resolve, reject) => {
        if (events.length >= count) return resolve(events);
        waiters.push({ count, resolve: () => resolve(events) });
        void ended.then((outcome) => {
          if (events.length < count) reject(new Error(`ended with ${JSON.stringify(outcome)} after ${events.length}`));
        });
      }),
  };
}
