// The console's one way to the API: @imagegate/sdk's typed documents, sent by the SDK's client to the server that
// served the console, with the signed-in key. Pages import documents and types from here; this module turns the
// SDK's ImagegateError into what forms need: every error of the answer, by the input field it names.
import { createImagegateClient, ImagegateError, type TypedDocumentNode } from "@imagegate/sdk";
import { apiKey } from "./session";

export * from "@imagegate/sdk";

/** One error of the API: its `extensions.code`, and the input field at fault when the API names one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly field: string | undefined,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Every error of one failed operation. */
export class ApiErrors extends Error {
  constructor(readonly errors: ApiError[]) {
    super(errors.map((error) => error.message).join("; "));
    this.name = "ApiErrors";
  }

  /** The first error's code: what a page reacts to (UNAUTHENTICATED, FORBIDDEN). */
  get code(): string {
    return this.errors[0]?.code ?? "INTERNAL_SERVER_ERROR";
  }

  /** Messages by the input field they name; "" for those that name none. */
  byField(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const error of this.errors) {
      const field = error.field ?? "";
      fields[field] = fields[field] === undefined ? error.message : `${fields[field]}; ${error.message}`;
    }
    return fields;
  }
}

interface RawError {
  message?: unknown;
  extensions?: { code?: unknown; field?: unknown };
}

// A variable the API could not coerce (a Money of "abc") is refused before any resolver runs, and its message names
// the variable; the SDK's documents name each variable after its argument, so that is the field.
const VARIABLE_IN_MESSAGE = /^Variable "\$(\w+)"/;

function toApiError(raw: RawError): ApiError {
  const message = typeof raw.message === "string" ? raw.message : "The request failed";
  const code = typeof raw.extensions?.code === "string" ? raw.extensions.code : "INTERNAL_SERVER_ERROR";
  const named = typeof raw.extensions?.field === "string" ? raw.extensions.field : undefined;
  return new ApiError(message, code, named ?? VARIABLE_IN_MESSAGE.exec(message)?.[1]);
}

/** The SDK's error as the console's: each GraphQL error; or the one failure when there was no GraphQL answer. */
function toApiErrors(error: unknown): ApiErrors {
  if (!(error instanceof ImagegateError))
    return new ApiErrors([new ApiError(String(error), "INTERNAL_SERVER_ERROR", undefined)]);
  if (error.errors.length > 0) return new ApiErrors(error.errors.map((raw) => toApiError(raw as RawError)));
  const message = error.is("NETWORK_ERROR") ? "The server cannot be reached" : error.message;
  return new ApiErrors([new ApiError(message, error.code, undefined)]);
}

/** Runs one operation with the signed-in key; resolves to its data, or rejects with ApiErrors. */
export async function request<TData, TVariables>(
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
): Promise<TData> {
  return requestWithKey(apiKey() ?? "", document, variables);
}

export async function requestWithKey<TData, TVariables>(
  key: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
): Promise<TData> {
  // A client per request is cheap (no socket: the console runs no subscriptions) and always has the current key.
  const client = createImagegateClient({ url: new URL("/graphql", window.location.origin).toString(), apiKey: key });
  // The SDK's typed `request` wants the variables an operation requires; the pages' generic hooks pass them on as given.
  const run = client.request as (
    document: TypedDocumentNode<TData, TVariables>,
    variables?: TVariables,
  ) => Promise<TData>;
  try {
    return await run(document, variables);
  } catch (error) {
    throw toApiErrors(error);
  }
}

/**
 * GET /reports/spend.csv for the range, grouped by the dimensions: fetched with the key (a plain link cannot send
 * it), then handed to the browser as a download. Not GraphQL, so not the SDK's.
 */
export async function downloadSpendCsv(range: { from: string; to: string }, groupBy: readonly string[]): Promise<void> {
  const url = new URL("/reports/spend.csv", window.location.origin);
  url.searchParams.set("from", range.from);
  url.searchParams.set("to", range.to);
  url.searchParams.set("groupBy", groupBy.join(","));
  const response = await fetch(url, { headers: { authorization: `Bearer ${apiKey() ?? ""}` } });
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: RawError & { field?: unknown } };
    const raw = body.error ?? {};
    throw new ApiErrors([
      toApiError({ message: raw.message, extensions: { code: (raw as { code?: unknown }).code, field: raw.field } }),
    ]);
  }
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `spend-${groupBy.join("-").toLowerCase()}-${range.from.slice(0, 10)}-${range.to.slice(0, 10)}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
