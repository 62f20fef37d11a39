import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Logger } from "../domain/logger";
import { formatMoney } from "../domain/money";
import { saneRequestId } from "../domain/request-id";
import type { AppLogger } from "../logging";
import type { RequestRecord } from "../observability/request-record";

// Every request gets an id: the caller's X-Request-Id when it is a sane token (src/domain/request-id.ts), else a new
// UUID. It is answered as X-Request-Id, bound to a child logger that every line of the request goes through, put on
// GraphQL errors and sent to providers. When the response is over, one access line is logged: what was asked, by
// whom, how it ended, how long it took, and the generation and its cost. Never a prompt, a body or a header.

const MAX_LOGGED_PATH = 200;
const MAX_LOGGED_OPERATION = 100;

const records = new WeakMap<IncomingMessage, RequestRecord>();

/** Starts a request's record; `onEnd` runs once its response is over (sent, or the client gone). */
export function beginRequest(
  request: IncomingMessage,
  response: ServerResponse,
  logger: AppLogger,
  onEnd?: (record: RequestRecord, status: number, durationMs: number) => void,
): RequestRecord {
  const requestId = saneRequestId(request.headers["x-request-id"]) ?? randomUUID();
  const record: RequestRecord = { requestId, logger: logger.child({ requestId }), startedMs: performance.now() };
  records.set(request, record);
  response.setHeader("X-Request-Id", requestId);
  response.once("close", () => {
    const durationMs = performance.now() - record.startedMs;
    logAccess(request, response, record, durationMs);
    onEnd?.(record, response.statusCode, durationMs);
  });
  return record;
}

/** The record of a request begun by beginRequest (routes set the caller on it). */
export function recordOf(request: IncomingMessage): RequestRecord | undefined {
  return records.get(request);
}

/** The request's logger (its lines carry its id), or `fallback` outside one. */
export function loggerOf(request: IncomingMessage, fallback: Logger): Logger {
  return records.get(request)?.logger ?? fallback;
}

function logAccess(request: IncomingMessage, response: ServerResponse, record: RequestRecord, durationMs: number) {
  const url = request.url ?? "";
  const query = url.indexOf("?");
  record.logger.info(
    {
      method: request.method,
      path: (query === -1 ? url : url.slice(0, query)).slice(0, MAX_LOGGED_PATH),
      operation: record.operationName?.slice(0, MAX_LOGGED_OPERATION),
      principalId: record.principalId,
      status: response.statusCode,
      // The client left before the whole answer was written.
      aborted: response.writableFinished ? undefined : true,
      durationMs: Math.round(durationMs * 10) / 10,
      errorCodes: record.errorCodes,
      generationId: record.generationId,
      cost: record.costMicros === undefined ? undefined : formatMoney(record.costMicros),
    },
    "request",
  );
}
