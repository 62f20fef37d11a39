import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer, type BaseContext } from "@apollo/server";
import getRawBody from "raw-body";
import type { RequestRecord } from "../observability/request-record";
import { failureAnswer } from "./failure-answer";
import { addRequestIdToErrors, tagError } from "./graphql-observer";
import { carriesPreflightHeader, isMultipart, readMultipartBody, type UploadLimits } from "./multipart-body";

// /graphql goes to Apollo straight from node:http, as Apollo's integration API (executeHTTPGraphQLRequest) is meant
// to be used, rather than through Express: Express's router, its JSON body parser and the integration package were
// 6 % of imagegate's CPU per generateImage at c=32 (bench/RESULTS.md). Everything else stays on Express.

const BODY_LIMIT_BYTES = 1024 * 1024;

/** Whether a request is for the GraphQL endpoint (any query string). */
export function isGraphQLRequest(request: IncomingMessage): boolean {
  const url = request.url ?? "";
  const end = url.indexOf("?");
  return (end === -1 ? url : url.slice(0, end)) === "/graphql";
}

/**
 * Reads a JSON body (up to 1 MB, UTF-8) or a multipart one (uploads: ./multipart-body.ts), then hands the request to Apollo, which answers GraphQL's own errors (and
 * blocks requests that could be cross-site). A body that cannot be read is answered here: 400 when it is not JSON,
 * 413 when too large, 415 for another charset, without saying more (failureAnswer, as for the Express routes).
 */
export function graphqlHandler<Context extends BaseContext>(
  apollo: ApolloServer<Context>,
  context: (request: IncomingMessage, record: RequestRecord) => Promise<Context>,
  uploads: UploadLimits,
): (request: IncomingMessage, response: ServerResponse, record: RequestRecord) => void {
  return (request, response, record) => {
    void handle(request, response, record).catch((error: unknown) => {
      const { status, body } = failureAnswer(error, record.logger, "unhandled error in the GraphQL handler");
      // The rest of an unread body would be taken for the next request: close the connection after answering.
      answer(response, status, JSON.stringify(body), !request.complete);
    });
  };

  async function handle(request: IncomingMessage, response: ServerResponse, record: RequestRecord): Promise<void> {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const url = request.url ?? "";
    const query = url.indexOf("?");
    let contextMade = false;
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: (request.method ?? "GET").toUpperCase(),
        headers,
        search: query === -1 ? "" : url.slice(query),
        body: await readBody(request, response, headers.get("content-type"), uploads),
      },
      context: async () => {
        contextMade = true;
        try {
          return await context(request, record);
        } catch (error) {
          tagError(error, record);
          throw error;
        }
      },
    });
    if (response.destroyed) return;
    for (const [name, value] of result.headers) response.setHeader(name, value);
    // A body left unread (a multipart request refused before its files) would be taken for the next request.
    if (!request.complete) response.setHeader("connection", "close");
    response.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") {
      const json = result.headers.get("content-type")?.includes("json") === true;
      response.end(contextMade || !json ? result.body.string : addRequestIdToErrors(result.body.string, record));
      return;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
  }
}

/** A multipart body (uploads) with the preflight header Apollo requires, or a JSON body; undefined for the rest. */
function readBody(
  request: IncomingMessage,
  response: ServerResponse,
  contentType: string | undefined,
  uploads: UploadLimits,
): Promise<unknown> {
  if (!isMultipart(contentType)) return readJsonBody(request, contentType);
  // Apollo refuses it as a potential CSRF, before reading anything.
  if (!carriesPreflightHeader(request)) return Promise.resolve(undefined);
  return readMultipartBody(request, response, uploads);
}

/** The parsed body when it is JSON (`application/json` or `+json`), else undefined for Apollo to refuse. */
async function readJsonBody(request: IncomingMessage, contentType: string | undefined): Promise<unknown> {
  const [mediaType = "", ...parameters] = (contentType ?? "").split(";").map((part) => part.trim().toLowerCase());
  if (mediaType !== "application/json" && !mediaType.endsWith("+json")) return undefined;
  const charset = parameters.find((parameter) => parameter.startsWith("charset="))?.slice("charset=".length);
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    throw Object.assign(new Error(`unsupported charset ${charset}`), { status: 415 });
  }
  const bytes = await getRawBody(request, { length: request.headers["content-length"], limit: BODY_LIMIT_BYTES });
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw Object.assign(new Error("the body is not JSON"), { status: 400 });
  }
}

function answer(response: ServerResponse, status: number, body: string, closeConnection: boolean): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.statusCode = status;
  response.setHeader("content-type", "application/json; charset=utf-8");
  if (closeConnection) response.setHeader("connection", "close");
  response.end(body);
}
