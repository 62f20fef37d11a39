import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { DocumentNode, GraphQLFormattedError } from "graphql";
import { createClient, type Client } from "graphql-ws";
import { errorFromGraphQL, ImagegateError } from "./errors.js";
import { extractFiles, multipartBody } from "./multipart.js";
import { operationNameOf, printDocument } from "./print.js";

export interface ImagegateClientOptions {
  /** The GraphQL endpoint, e.g. "https://imagegate.example.com/graphql"; subscriptions use it as ws(s)://. */
  url: string;
  /** The API key (in a browser, a session key from your backend), or a function giving the current one. */
  apiKey?: string | (() => string | Promise<string>);
  /** fetch to use; the global one by default. */
  fetch?: typeof fetch;
  /** The WebSocket class for subscriptions where there is no global one (Node before 22: the `ws` package's). */
  webSocketImpl?: unknown;
  /** Headers sent with every HTTP request. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Sent as X-Request-Id (1-128 of A-Z a-z 0-9 . _ : -); imagegate makes one otherwise. */
  requestId?: string;
}

/** Variables may be left out when the operation needs none. */
type RequestArgs<V> =
  Record<string, never> extends V
    ? [variables?: V, options?: RequestOptions]
    : [variables: V, options?: RequestOptions];

export interface ImagegateClient {
  /** Runs a query or mutation; its data, or an ImagegateError. Blobs (Files) in the variables are uploaded. */
  request<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...args: RequestArgs<TVariables>
  ): Promise<TData>;
  /**
   * A subscription's events, over graphql-ws; ends when the server completes it, throws an ImagegateError on error,
   * and the signal's reason when `signal` aborts (the subscription is stopped). `requestId` is not used: the socket's
   * requests share the connection's id.
   */
  subscribe<TData, TVariables>(
    document: TypedDocumentNode<TData, TVariables>,
    ...args: RequestArgs<TVariables>
  ): AsyncIterableIterator<TData>;
  /** Closes the subscriptions' socket, if one is open. */
  dispose(): Promise<void>;
}

// Printed by ./print.ts, not graphql-js: the client has no run-time dependency on graphql (a browser bundle stays
// without it); graphql is a peer dependency for its types.
const printed = new WeakMap<DocumentNode, string>();
function queryOf(document: DocumentNode): string {
  let query = printed.get(document);
  if (query === undefined) printed.set(document, (query = printDocument(document)));
  return query;
}

interface GraphQLAnswer {
  data?: unknown;
  errors?: GraphQLFormattedError[];
}

export function createImagegateClient(options: ImagegateClientOptions): ImagegateClient {
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  let socket: Client | undefined;

  async function authorization(): Promise<Record<string, string>> {
    const key = typeof options.apiKey === "function" ? await options.apiKey() : options.apiKey;
    return key === undefined ? {} : { authorization: `Bearer ${key}` };
  }

  async function request(document: DocumentNode, variables: unknown, requestOptions: RequestOptions = {}) {
    const operationName = operationNameOf(document);
    const { clone, files } = extractFiles(variables ?? {});
    const headers: Record<string, string> = {
      accept: "application/graphql-response+json, application/json",
      ...options.headers,
      ...(await authorization()),
      ...(requestOptions.requestId === undefined ? {} : { "x-request-id": requestOptions.requestId }),
    };
    let body: string | FormData;
    if (files.length === 0) {
      headers["content-type"] = "application/json";
      body = JSON.stringify({ query: queryOf(document), operationName, variables: variables ?? {} });
    } else {
      // Apollo Server refuses a multipart request without this header (its CSRF prevention); a browser preflights it.
      headers["apollo-require-preflight"] = "true";
      body = multipartBody({ query: queryOf(document), operationName, variables: clone }, files);
    }
    let response: Response;
    try {
      response = await doFetch(options.url, { method: "POST", headers, body, signal: requestOptions.signal });
    } catch (cause) {
      if (requestOptions.signal?.aborted === true) throw cause;
      throw new ImagegateError({
        code: "NETWORK_ERROR",
        message: `Could not reach imagegate: ${String(cause)}`,
        cause,
      });
    }
    return answerOf(response);
  }

  async function answerOf(response: Response): Promise<unknown> {
    const requestId = response.headers.get("x-request-id") ?? undefined;
    const { status } = response;
    let answer: GraphQLAnswer | undefined;
    if (/json/.test(response.headers.get("content-type") ?? "")) {
      answer = (await response.json().catch(() => undefined)) as GraphQLAnswer | undefined;
    }
    if (answer?.errors !== undefined && answer.errors.length > 0) {
      throw errorFromGraphQL(answer.errors, { data: answer.data, status, requestId });
    }
    if (!response.ok || answer === undefined || answer.data === undefined || answer.data === null) {
      throw new ImagegateError({
        code: "HTTP_ERROR",
        message: `imagegate answered HTTP ${status} without a GraphQL result`,
        status,
        requestId,
      });
    }
    return answer.data;
  }

  function socketClient(): Client {
    socket ??= createClient({
      url: options.url.replace(/^http/, "ws"),
      // The contract's WebSocket auth: the key in connection_init's payload, read at each (re)connection.
      connectionParams: authorization,
      lazy: true,
      webSocketImpl: options.webSocketImpl,
      // Retry a lost socket (graphql-ws's backoff), not a refused key (4403): the same key is refused again.
      shouldRetry: (event) => isCloseEvent(event) && event.code !== FORBIDDEN_CLOSE_CODE,
    });
    return socket;
  }

  async function* subscribe(
    document: DocumentNode,
    variables: unknown,
    { signal }: RequestOptions = {},
  ): AsyncIterableIterator<unknown> {
    signal?.throwIfAborted();
    const operationName = operationNameOf(document);
    const events = socketClient().iterate({
      query: queryOf(document),
      operationName,
      variables: (variables ?? {}) as Record<string, unknown>,
    });
    // An abort ends a wait for the next event (as it ends a fetch); the finally below stops the subscription.
    let onAbort: (() => void) | undefined;
    const aborted =
      signal === undefined
        ? undefined
        : new Promise<never>((_resolve, reject) => {
            onAbort = () => reject(signal.reason);
            signal.addEventListener("abort", onAbort, { once: true });
          });
    aborted?.catch(() => undefined);
    try {
      for (;;) {
        signal?.throwIfAborted();
        let next: IteratorResult<{ data?: unknown; errors?: readonly GraphQLFormattedError[] }>;
        try {
          next = await (aborted === undefined ? events.next() : Promise.race([events.next(), aborted]));
        } catch (cause) {
          if (signal?.aborted === true) throw signal.reason;
          throw socketError(cause);
        }
        if (next.done === true) return;
        const { data, errors } = next.value;
        if (errors !== undefined && errors.length > 0) throw errorFromGraphQL(errors, { data });
        yield data;
      }
    } finally {
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      await events.return?.();
    }
  }

  return {
    request: (document, ...[variables, requestOptions]) =>
      request(document, variables, requestOptions) as Promise<never>,
    subscribe: (document, ...[variables, requestOptions]) =>
      subscribe(document, variables, requestOptions) as AsyncIterableIterator<never>,
    dispose: async () => {
      await socket?.dispose();
      socket = undefined;
    },
  };
}

const UNAUTHORIZED_CLOSE_CODE = 4401;
const FORBIDDEN_CLOSE_CODE = 4403;
const TOO_MANY_CLOSE_CODE = 4429;
/** The wait the server's own refusals of a busy caller suggest (Retry-After: 1); a socket closed 4429 names none. */
const SOCKET_RETRY_AFTER_SECONDS = 1;

function isCloseEvent(value: unknown): value is { code: number; reason: string } {
  return typeof value === "object" && value !== null && typeof (value as { code?: unknown }).code === "number";
}

/** graphql-ws ends a subscription with GraphQL errors, or with the socket's close event (graphql-ws close codes). */
function socketError(cause: unknown): ImagegateError {
  if (Array.isArray(cause)) return errorFromGraphQL(cause as GraphQLFormattedError[], {});
  const closeCode = isCloseEvent(cause) ? cause.code : undefined;
  const reason =
    isCloseEvent(cause) && typeof cause.reason === "string" && cause.reason !== "" ? cause.reason : undefined;
  const code =
    closeCode === UNAUTHORIZED_CLOSE_CODE
      ? "UNAUTHENTICATED"
      : closeCode === FORBIDDEN_CLOSE_CODE
        ? "FORBIDDEN"
        : closeCode === TOO_MANY_CLOSE_CODE
          ? "RATE_LIMITED"
          : "NETWORK_ERROR";
  // Too many sockets (for the key, or the process) is a limit, not a network failure: a client that backs off as it
  // does for any RATE_LIMITED, closing a socket of its own or trying again shortly, gets one.
  const extensions =
    closeCode === undefined
      ? {}
      : code === "RATE_LIMITED"
        ? { closeCode, retryAfterSeconds: SOCKET_RETRY_AFTER_SECONDS }
        : { closeCode };
  return new ImagegateError({
    code,
    message:
      reason ??
      (closeCode === undefined ? `The subscription failed: ${String(cause)}` : `Socket closed (${closeCode})`),
    extensions,
    cause,
  });
}
