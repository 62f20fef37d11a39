import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print, type GraphQLFormattedError } from "graphql";

export interface GraphQLResponse<TData> {
  data?: TData | null;
  errors?: GraphQLFormattedError[];
}

/** One GraphQL operation over real HTTP, as a frontend would send it. */
export async function executeOperation<TData, TVariables>(
  baseUrl: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  apiKey?: string,
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` }),
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as GraphQLResponse<TData>;
}

/** The data of a response that must have succeeded; its errors, readably, otherwise. */
export function dataOf<TData>(response: GraphQLResponse<TData>): TData {
  if (response.errors !== undefined && response.errors.length > 0) {
    throw new Error(`unexpected GraphQL errors: ${JSON.stringify(response.errors)}`);
  }
  if (response.data === undefined || response.data === null) throw new Error("no data in response");
  return response.data;
}

/** The one error of a response that must have failed. */
export function errorOf(response: GraphQLResponse<unknown>): GraphQLFormattedError & { code: string } {
  const error = response.errors?.[0];
  if (error === undefined) throw new Error(`expected an error, got ${JSON.stringify(response.data)}`);
  return { ...error, code: String(error.extensions?.code) };
}
