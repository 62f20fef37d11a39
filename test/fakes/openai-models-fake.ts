import type { ServerResponse } from "node:http";
import { never, pathnameOf, sendJson, startHttpFake, type RecordedRequest } from "./http-fake";

// OpenAI's GET /v1/models as the real API answers it (developers.openai.com/api/reference/resources/models/methods/list):
// {object: "list", data: [{id, object: "model", created, owned_by, shutdown_date?}]}, behind Bearer auth.

export interface FakeModel {
  id: string;
  /** "YYYY-MM-DD", null (none announced), or absent. Anything else is sent verbatim (malformed-entry tests). */
  shutdown_date?: unknown;
  created?: number;
  owned_by?: string;
}

export interface FakeOpenAIModels {
  /** Pass as OPENAI_BASE_URL: "http://127.0.0.1:PORT/v1". */
  baseURL: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** The GET /v1/models requests received. */
  listRequests(): RecordedRequest[];
  /** What the list holds from now on. */
  setModels(models: FakeModel[]): void;
  /** `data` verbatim, entries that are not even objects included. */
  setRawData(data: unknown): void;
  /** The next list requests answer these statuses (OpenAI's error body) or never, in order; then the list again. */
  failNext(...answers: Array<number | "hang">): void;
  /** Forgets the requests and pending failures, and empties the list. */
  reset(): void;
  close(): Promise<void>;
}

const CREATED = 1_745_000_000;

export async function startFakeOpenAIModels(options: { apiKey?: string } = {}): Promise<FakeOpenAIModels> {
  const apiKey = options.apiKey ?? "sk-fake-openai-key";
  const requests: RecordedRequest[] = [];
  const failures: Array<number | "hang"> = [];
  let data: unknown = [];

  const handle = async (request: RecordedRequest, res: ServerResponse) => {
    if (request.authorization !== `Bearer ${apiKey}`) {
      return sendError(res, 401, "Incorrect API key provided.", "invalid_api_key");
    }
    if (request.method !== "GET" || pathnameOf(request.path) !== "/v1/models") {
      return sendError(res, 404, `Unknown request URL: ${request.method} ${request.path}.`, "unknown_url");
    }
    const failure = failures.shift();
    if (failure === "hang") return never();
    if (failure !== undefined) return sendError(res, failure, "The server had an error.", null);
    sendJson(res, 200, { object: "list", data });
  };
  const fake = await startHttpFake((request) => requests.push(request), handle);

  return {
    baseURL: `${fake.origin}/v1`,
    apiKey,
    requests,
    listRequests: () => requests.filter((request) => pathnameOf(request.path) === "/v1/models"),
    setModels: (models) => (data = models.map(toWire)),
    setRawData: (raw) => (data = raw),
    failNext: (...answers) => failures.push(...answers),
    reset: () => {
      requests.length = 0;
      failures.length = 0;
      data = [];
    },
    close: () => fake.close(),
  };
}

function toWire(model: FakeModel): Record<string, unknown> {
  const { id, created = CREATED, owned_by = "system" } = model;
  return {
    id,
    object: "model",
    created,
    owned_by,
    ...("shutdown_date" in model ? { shutdown_date: model.shutdown_date } : {}),
  };
}

/** OpenAI's error body; a 5xx says "retry after 1 ms" so that the SDK's retries do not slow tests down. */
function sendError(res: ServerResponse, status: number, message: string, code: string | null): void {
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  const headers: Record<string, string> = status >= 500 ? { "retry-after-ms": "1" } : {};
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}
