import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled } from "@apollo/server/plugin/disabled";
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
import { failureAnswer } from "./failure-answer";
import { graphqlHandler, isGraphQLRequest } from "./graphql-handler";
import { observeGraphQL, requestOfError } from "./graphql-observer";
import { beginRequest, loggerOf } from "./request-log";
import { healthz, images, readyz } from "./routes";
import { spendCsv } from "./spend-csv";

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
}

/**
 * The HTTP face of imagegate: /graphql, straight to Apollo; on Express, GET /images/..., /healthz, /readyz,
 * /reports/spend.csv and the web console at /console.
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

  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError: createErrorFormatter(services.logger, requestOfError),
    validationRules: operationLimitRules,
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (main.ts): Apollo would otherwise re-raise the signal and kill the process mid-drain.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: args.drainGraceMs }),
      // No cache hints in this API (every answer is per caller); the default plugin would hook every field resolved.
      ApolloServerPluginCacheControlDisabled(),
      rejectUnstorableCharacters,
      observeGraphQL,
      limitOperationsPerCaller,
      hideSuggestionsInProduction(),
    ],
  });
  await apollo.start();

  app.get("/healthz", healthz);
  app.get("/readyz", readyz(services.db, services.logger));
  app.get("/images/:generationId/:file", images(services.db, services.storage, services.logger));
  app.get("/reports/spend.csv", spendCsv(services));
  app.use(consoleApp());
  const handleGraphQL = graphqlHandler(apollo, async (request, record) => {
    const secret = bearerSecret(request.headers.authorization);
    const principal = secret === null ? null : await services.authenticator.authenticate(secret);
    record.principalId = principal?.userId;
    return { principal, services, loaders: createLoaders(services.db, services), request: record };
  });
  const graphqlEnded = metrics.graphqlRequestEnded.bind(metrics);
  httpServer.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!isGraphQLRequest(request)) {
      beginRequest(request, response, args.logger);
      app(request, response);
      return;
    }
    handleGraphQL(request, response, beginRequest(request, response, args.logger, graphqlEnded));
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
    openConnections: () =>
      new Promise((resolve) => httpServer.getConnections((error, count) => resolve(error ? 0 : count))),
  };
}
