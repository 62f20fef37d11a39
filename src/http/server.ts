import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import express from "express";
import type { GraphQLSchema } from "graphql";
import type { GraphQLContext, Services } from "../graphql/context";
import { createErrorFormatter } from "../graphql/format-error";
import { createLoaders } from "../graphql/loaders";
import { rejectUnstorableCharacters } from "../graphql/unstorable-characters";
import { limitOperationsPerCaller } from "../graphql/caller-concurrency";
import { hideSuggestionsInProduction } from "../graphql/hide-suggestions";
import { operationLimitRules } from "../graphql/operation-limits";
import type { AppLogger } from "../logging";
import type { Metrics } from "../observability/metrics";
import { bearerSecret } from "./bearer";
import { consoleApp } from "./console";
import { limitConnections, SERVER_TIMEOUTS } from "./connection-limits";
import { browserAccess } from "./cors";
import { failureAnswer } from "./failure-answer";
import { graphiqlRoutes, wantsGraphiQL } from "./graphiql/graphiql";
import { graphqlHandler, isGraphQLRequest } from "./graphql-handler";
import type { UploadLimits } from "./multipart-body";
import { observeGraphQL, requestOfError } from "./graphql-observer";
import { beginRequest, loggerOf } from "./request-log";
import { healthz, images, readyz } from "./routes";
import { spendCsv } from "./spend-csv";
import type { LiveConnections } from "./subscriptions/live-connections";
import { startSubscriptionServer } from "./subscriptions/subscription-server";
import { refuseSubscriptionsOverHttp } from "./subscriptions/subscriptions-over-http";

export interface RunningServer {
  url: string;
  /**
   * Stops accepting connections at once, then waits for the requests in progress (up to `drainGraceMs`, after which
   * their connections are cut).
   */
  close(): Promise<void>;
  /** Cuts every open connection now: a shutdown's last step, for requests that outlived its deadline. */
  closeConnections(): void;
  /** How many connections are open (metrics read it when scraped). */
  openConnections(): Promise<number>;
  /** The graphql-ws connections: app.ts has their keys re-checked when principals change. */
  liveConnections: LiveConnections;
}

/**
 * The HTTP face of imagegate: /graphql, straight to Apollo; on Express, GET /images/..., /healthz, /readyz,
 * /reports/spend.csv, GraphiQL (GET /graphql from a browser) and the web console at /console, with CORS (CORS_ORIGINS)
 * in front of the API.
 */
export async function startHttpServer(args: {
  schema: GraphQLSchema;
  services: Services;
  host: string;
  port: number;
  /** How long close() waits for requests in progress before cutting them; Apollo's 10 s by default. */
  drainGraceMs?: number;
  /** Each request logs through a child of it, bound to the request's id. */
  logger: AppLogger;
  metrics: Metrics;
  /** Connections beyond this many are refused (MAX_CONNECTIONS). */
  maxConnections: number;
  /** graphql-ws connections open at once, in all and per API key (WS_MAX_CONNECTIONS, WS_MAX_CONNECTIONS_PER_KEY). */
  subscriptions: { maxConnections: number; maxConnectionsPerKey: number };
  /** Bounds on multipart (upload) requests to /graphql. */
  uploads: UploadLimits;
  /** Browser origins allowed to call the API (CORS_ORIGINS); none when absent. */
  corsOrigins?: readonly string[];
  /** Whether GET /graphql serves GraphiQL to a browser; else it is an ordinary GraphQL GET. */
  graphiql?: boolean;
}): Promise<RunningServer> {
  const { schema, services, host, port, metrics } = args;
  const app = express();
  app.disable("x-powered-by");
  // Express would hash every JSON body for an ETag; no GraphQL POST answer is cacheable.
  app.set("etag", false);
  const httpServer = http.createServer(SERVER_TIMEOUTS);
  limitConnections(httpServer, {
    maxConnections: args.maxConnections,
    logger: services.logger,
    onDrop: () => metrics.connectionDropped(),
  });

  const subscriptions = startSubscriptionServer({
    httpServer,
    schema,
    services,
    logger: args.logger,
    limits: args.subscriptions,
  });
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError: createErrorFormatter(services.logger, requestOfError),
    validationRules: operationLimitRules,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (main.ts): Apollo would otherwise re-raise the signal and kill the process mid-drain.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: args.drainGraceMs }),
      // Sockets are told 1001 (going away) as the drain begins, not after it: their clients reconnect elsewhere.
      { serverWillStart: async () => ({ drainServer: () => subscriptions.close() }) },
      // No cache hints in this API (every answer is per caller); the default plugin would hook every field resolved.
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's own landing page loads its sandbox from Apollo's CDN, with telemetry: GraphiQL replaces it, from
      // our own files (./graphiql).
      ApolloServerPluginLandingPageDisabled(),
      rejectUnstorableCharacters,
      observeGraphQL,
      refuseSubscriptionsOverHttp,
      limitOperationsPerCaller,
      hideSuggestionsInProduction(),
    ],
  });
  await apollo.start();

  app.get("/healthz", healthz);
  app.get("/readyz", readyz(services.db, services.logger));
  app.get("/images/:generationId/:file", images(services.db, services.storage, services.logger));
  app.get("/reports/spend.csv", spendCsv(services));
  const graphiql = args.graphiql === true;
  if (graphiql) graphiqlRoutes(app, services.logger);
  app.use(consoleApp());
  const handleGraphQL = graphqlHandler(
    apollo,
    async (request, record) => {
      const secret = bearerSecret(request.headers.authorization);
      const principal = secret === null ? null : await services.authenticator.authenticate(secret);
      record.principalId = principal?.userId;
      return { principal, services, loaders: createLoaders(services.db, services), request: record };
    },
    args.uploads,
  );
  const graphqlEnded = metrics.graphqlRequestEnded.bind(metrics);
  const cors = browserAccess(args.corsOrigins ?? []);
  httpServer.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!isGraphQLRequest(request) || (graphiql && wantsGraphiQL(request))) {
      beginRequest(request, response, args.logger);
      cors(request, response, () => app(request, response));
      return;
    }
    // A preflight is no GraphQL operation: it stays out of the GraphQL metrics.
    const record = beginRequest(
      request,
      response,
      args.logger,
      request.method === "OPTIONS" ? undefined : graphqlEnded,
    );
    cors(request, response, () => handleGraphQL(request, response, record));
  });
  app.use((_req: express.Request, res: express.Response) => {
    res.status(404).json({ error: "not found" });
  });
  // Express's last resort: log the cause, tell the client nothing about it.
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const { status, body } = failureAnswer(error, loggerOf(req, services.logger), "unhandled error in HTTP handler");
    if (status < 500 || !res.headersSent) res.status(status).json(body);
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, host, resolve);
  });
  const address = httpServer.address() as AddressInfo;
  const hostForUrl = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${hostForUrl}:${address.port}`,
    close: () => apollo.stop(),
    closeConnections: () => httpServer.closeAllConnections(),
    liveConnections: subscriptions.connections,
    openConnections: () =>
      new Promise((resolve) => httpServer.getConnections((error, count) => resolve(error ? 0 : count))),
  };
}
