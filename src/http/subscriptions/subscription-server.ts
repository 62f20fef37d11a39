import { randomUUID } from "node:crypto";
import type http from "node:http";
import { performance } from "node:perf_hooks";
import {
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type ExecutionArgs,
  type GraphQLSchema,
} from "graphql";
import type { Context, SubscribePayload } from "graphql-ws";
import { useServer } from "graphql-ws/use/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { DomainError } from "../../domain/errors";
import { isDatabaseUnavailable } from "../../domain/database-unavailable";
import { describeError } from "../../domain/logger";
import { saneRequestId } from "../../domain/request-id";
import type { GraphQLContext, Services } from "../../graphql/context";
import { createErrorFormatter } from "../../graphql/format-error";
import { hideSuggestion } from "../../graphql/hide-suggestions";
import { createLoaders } from "../../graphql/loaders";
import { operationLimitRules } from "../../graphql/operation-limits";
import type { AppLogger } from "../../logging";
import { bearerSecret } from "../bearer";
import { CLOSE } from "./close-codes";
import { LiveConnections, type LiveConnection } from "./live-connections";

// generationUpdated over graphql-ws, on the HTTP server's own /graphql path (an Upgrade request there). The socket
// is one request in the HTTP sense: its X-Request-Id (or a new one) is answered in the 101, carried by every error
// and every log line of the connection. Only subscriptions are served here: queries and mutations go over HTTP,
// through Apollo's plugins (the per-caller bound, unstorable characters), which a socket would bypass.

/** A client message (subscribe, with its document) may hold this much; the server's messages are not bounded. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Time to send connection_init after the upgrade. */
const CONNECTION_INIT_TIMEOUT_MS = 10_000;
/** A ping this often; a socket that has not answered the last one by the next is cut. */
const KEEP_ALIVE_MS = 30_000;
/** Subscriptions one connection may run at once. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 16;

type Extra = { socket: WebSocket; request: http.IncomingMessage };
type WsContext = Context<Record<string, unknown> | undefined, Extra>;

export interface SubscriptionServer {
  connections: LiveConnections;
  /** Closes every socket (1001) and stops accepting them: Apollo's drain runs it. */
  close(): Promise<void>;
}

export function startSubscriptionServer(args: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  services: Services;
  logger: AppLogger;
  limits: { maxConnections: number; maxConnectionsPerKey: number };
}): SubscriptionServer {
  const { services, schema } = args;
  const connections = new LiveConnections(services.authenticator, args.limits, services.logger);
  const wss = new WebSocketServer({ server: args.httpServer, path: "/graphql", maxPayload: MAX_PAYLOAD_BYTES });
  const byRequest = new WeakMap<http.IncomingMessage, LiveConnection>();
  const connectionOf = (ctx: WsContext) => byRequest.get(ctx.extra.request);
  const requestIds = new WeakMap<http.IncomingMessage, string>();
  const requestIdOf = (request: http.IncomingMessage) => {
    let id = requestIds.get(request);
    if (id === undefined)
      requestIds.set(request, (id = saneRequestId(request.headers["x-request-id"]) ?? randomUUID()));
    return id;
  };
  wss.on("headers", (headers, request) => headers.push(`X-Request-Id: ${requestIdOf(request)}`));
  // Before graphql-ws's own listener: a socket past the bound is closed before anything else looks at it.
  wss.on("connection", (socket, request) => {
    const requestId = requestIdOf(request);
    const connection: LiveConnection = {
      socket,
      requestId,
      logger: args.logger.child({ requestId }),
      startedMs: performance.now(),
      running: 0,
      started: 0,
    };
    byRequest.set(request, connection);
    if (!connections.open(connection)) {
      connection.logger.warn({ maxConnections: args.limits.maxConnections }, "refusing WebSocket: too many open");
      socket.close(CLOSE.tooMany.code, CLOSE.tooMany.reason);
      return;
    }
    socket.once("close", (code, reason) => {
      connections.closed(connection);
      logConnection(connection, code, reason.toString());
    });
  });

  // As on HTTP (src/graphql/format-error.ts): known failures keep their code and message, the rest is logged (with
  // the connection's request id) and masked; every error carries the request id.
  const format = (connection: LiveConnection | undefined) => (error: GraphQLError) => {
    const formatted = createErrorFormatter(connection?.logger ?? services.logger)(error.toJSON(), error);
    return {
      ...formatted,
      message: hideSuggestion(formatted.message),
      extensions: { ...formatted.extensions, requestId: connection?.requestId },
    };
  };

  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      schema,
      connectionInitWaitTimeout: CONNECTION_INIT_TIMEOUT_MS,
      onConnect: async (ctx) => {
        const connection = connectionOf(ctx);
        if (connection === undefined || ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
        return authenticate(connection, ctx.connectionParams);
      },
      onSubscribe: (ctx, id, payload) => {
        const connection = connectionOf(ctx);
        if (connection?.principal === undefined) return [refusal("UNAUTHENTICATED", "A valid API key is required")];
        const checked = checkOperation(schema, payload);
        if (!("document" in checked)) return checked;
        if (connection.running >= MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [
            refusal(
              "RATE_LIMITED",
              `At most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions may run at once on one connection`,
            ),
          ];
        }
        connection.running++;
        connection.started++;
        const contextValue: GraphQLContext = {
          principal: connection.principal,
          services,
          loaders: createLoaders(services.db, services),
          request: { requestId: connection.requestId, logger: connection.logger, startedMs: performance.now() },
        };
        connection.logger.info({ subscriptionId: id, operation: checked.operationName }, "subscription started");
        return { ...checked, contextValue };
      },
      onNext: (ctx, _id, _payload, _args, result) => {
        if (result.errors === undefined) return undefined;
        return { ...result, errors: result.errors.map(format(connectionOf(ctx))) };
      },
      onError: (ctx, _id, _payload, errors) => errors.map(format(connectionOf(ctx))),
      onComplete: (ctx, id) => {
        const connection = connectionOf(ctx);
        if (connection === undefined) return;
        connection.running--;
        connection.logger.info({ subscriptionId: id }, "subscription ended");
      },
    },
    wss,
    KEEP_ALIVE_MS,
  );

  async function authenticate(
    connection: LiveConnection,
    params: Record<string, unknown> | undefined,
  ): Promise<boolean> {
    const { socket } = connection;
    const header = params?.authorization;
    const secret = bearerSecret(typeof header === "string" ? header : undefined);
    let principal;
    try {
      principal = secret === null ? null : await services.authenticator.authenticate(secret);
    } catch (error) {
      const unavailable = isDatabaseUnavailable(error);
      connection.logger[unavailable ? "warn" : "error"]({ cause: describeError(error) }, "WebSocket key check failed");
      const close = unavailable ? CLOSE.tryAgainLater : { code: 4500, reason: "Internal server error" };
      socket.close(close.code, close.reason);
      return false;
    }
    if (secret === null || principal === null) {
      socket.close(CLOSE.unauthenticated.code, CLOSE.unauthenticated.reason);
      return false;
    }
    if (socket.readyState !== socket.OPEN) return false;
    if (!connections.authenticated(connection, secret, principal)) {
      connection.logger.warn(
        { principalId: principal.userId, maxPerKey: args.limits.maxConnectionsPerKey },
        "refusing WebSocket: too many open for its key",
      );
      socket.close(CLOSE.tooManyForKey.code, CLOSE.tooManyForKey.reason);
      return false;
    }
    return true;
  }

  return {
    connections,
    async close() {
      await connections.closeAll();
      await server.dispose();
    },
  };
}

/** Parsed and validated with the HTTP endpoint's limits, and a subscription: else the errors to answer. */
function checkOperation(
  schema: GraphQLSchema,
  payload: SubscribePayload,
): Pick<ExecutionArgs, "schema" | "document" | "variableValues" | "operationName"> | GraphQLError[] {
  let document;
  try {
    document = parse(payload.query);
  } catch (error) {
    return [error instanceof GraphQLError ? withCode(error, "GRAPHQL_PARSE_FAILED") : new GraphQLError("Bad query")];
  }
  const invalid = validate(schema, document, [...specifiedRules, ...operationLimitRules]);
  if (invalid.length > 0) return invalid.map((error) => withCode(error, "GRAPHQL_VALIDATION_FAILED"));
  const operation = getOperationAST(document, payload.operationName);
  if (operation === null || operation === undefined) {
    return [withCode(new GraphQLError("Unable to identify the operation to run"), "BAD_REQUEST")];
  }
  if (operation.operation !== "subscription") {
    return [
      refusal("BAD_REQUEST", "Only subscriptions are served over WebSocket; send queries and mutations over HTTP"),
    ];
  }
  return {
    schema,
    document,
    variableValues: payload.variables ?? undefined,
    operationName: payload.operationName ?? undefined,
  };
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}

function refusal(code: "UNAUTHENTICATED" | "BAD_REQUEST" | "RATE_LIMITED", message: string): GraphQLError {
  // BAD_REQUEST is GraphQL's (a client's mistake about the request as a whole), not one of the domain's codes.
  if (code === "BAD_REQUEST") return new GraphQLError(message, { extensions: { code } });
  return new GraphQLError(message, { originalError: new DomainError(code, message) });
}

function logConnection(connection: LiveConnection, code: number, reason: string): void {
  connection.logger.info(
    {
      method: "GET",
      path: "/graphql",
      transport: "websocket",
      principalId: connection.principal?.userId,
      status: 101,
      closeCode: code,
      closeReason: reason.slice(0, 123),
      subscriptions: connection.started,
      durationMs: Math.round((performance.now() - connection.startedMs) * 10) / 10,
    },
    "request",
  );
}
