// The console's one way to the API: typed documents (./generated, from ./operations by `npm run codegen`) sent to
// the server that served the console. When @imagegate/sdk is ready, this module is what changes; pages import only
// from here and from ./generated's types.
import type { TypedDocumentString } from "./generated/graphql";
import { apiKey } from "./session";

export * from "./generated/graphql";

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
// the variable; the console names each variable after the argument, so that is the field.
const VARIABLE_IN_MESSAGE = /^Variable "\$(\w+)"/;

function toApiError(raw: RawError): ApiError {
  const message = typeof raw.message === "string" ? raw.message : "The request failed";
  const code = typeof raw.extensions?.code === "string" ? raw.extensions.code : "INTERNAL_SERVER_ERROR";
  const named = typeof raw.extensions?.field === "string" ? raw.extensions.field : undefined;
  return new ApiError(message, code, named ?? VARIABLE_IN_MESSAGE.exec(message)?.[1]);
}

/** Runs one operation with the signed-in key; resolves to its data, or rejects with ApiErrors. */
export async function request<TData, TVariables>(
  document: TypedDocumentString<TData, TVariables>,
  variables?: TVariables,
): Promise<TData> {
  return requestWithKey(apiKey() ?? "", document, variables);
}

export async function requestWithKey<TData, TVariables>(
  key: string,
  document: TypedDocumentString<TData, TVariables>,
  variables?: TVariables,
): Promise<TData> {
  let response: Response;
  try {
    response = await fetch(graphqlUrl(), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new ApiErrors([new ApiError("The server cannot be reached", "NETWORK_ERROR", undefined)]);
  }
  let body: { data?: TData | null; errors?: RawError[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiErrors([new ApiError(`The server answered ${response.status}`, "BAD_RESPONSE", undefined)]);
  }
  if (body.errors !== undefined && body.errors.length > 0) throw new ApiErrors(body.errors.map(toApiError));
  if (body.data === undefined || body.data === null) {
    throw new ApiErrors([new ApiError("The server answered no data", "BAD_RESPONSE", undefined)]);
  }
  return body.data;
}

function graphqlUrl(): string {
  return new URL("/graphql", window.location.origin).toString();
}

/**
 * GET /reports/spend.csv for the range, grouped by the dimensions: fetched with the key (a plain link cannot send
 * it), then handed to the browser as a download.
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
  link.download = `spend-${range.from.slice(0, 10)}-${range.to.slice(0, 10)}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
