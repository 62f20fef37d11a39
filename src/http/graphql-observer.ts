import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError } from "graphql";
import type { GraphQLContext } from "../graphql/context";
import type { RequestRecord } from "../observability/request-record";

// What Apollo knows about a request that its record needs: the operation's name, and its errors. Errors are tagged
// with their request as Apollo meets them, so that the error formatter (created once per server, and told nothing
// of the request) can put the request id on each and log it with the request's logger.

const requestsOfErrors = new WeakMap<object, RequestRecord>();

export function tagError(error: unknown, record: RequestRecord): void {
  if (typeof error === "object" && error !== null) requestsOfErrors.set(error, record);
}

/** The request an error was tagged with. Apollo wraps a failed context's error: its original is looked at too. */
export function requestOfError(error: unknown): RequestRecord | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const original = (error as { originalError?: unknown }).originalError;
  return (
    requestsOfErrors.get(error) ??
    (typeof original === "object" && original !== null ? requestsOfErrors.get(original) : undefined)
  );
}

export const observeGraphQL: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart({ contextValue }) {
    const record = contextValue.request;
    if (record === undefined) return;
    return {
      async didResolveOperation({ operationName }) {
        record.operationResolved = true;
        record.operationName = operationName ?? undefined;
      },
      async didEncounterErrors({ errors }) {
        for (const error of errors) tagError(error, record);
      },
      async willSendResponse({ response }) {
        if (response.body.kind === "single") record.errorCodes = codesOf(response.body.singleResult.errors);
      },
    };
  },
};

function codesOf(errors: readonly GraphQLFormattedError[] | undefined): string[] | undefined {
  return errors?.map((error) => String(error.extensions?.code));
}

/**
 * Apollo answers some requests before it makes their context (a request that could be cross-site, one without a
 * query): their errors never meet the plugin above, so the request id is added to the answer's JSON here. Such
 * answers are small, and rare.
 */
export function addRequestIdToErrors(body: string, record: RequestRecord): string {
  let answer: { errors?: unknown };
  try {
    answer = JSON.parse(body) as { errors?: unknown };
  } catch {
    return body;
  }
  if (!Array.isArray(answer.errors)) return body;
  const errors = answer.errors as GraphQLFormattedError[];
  answer.errors = errors.map((error) => ({
    ...error,
    extensions: { ...error.extensions, requestId: record.requestId },
  }));
  record.errorCodes = codesOf(errors);
  return JSON.stringify(answer);
}
