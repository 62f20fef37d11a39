import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import type { GraphQLResponse } from "./graphql-client";

export interface UploadFile {
  /** Where the file goes in the variables, e.g. "input.images.0.upload". */
  path: string;
  bytes: Buffer;
  fileName: string;
  contentType: string;
}

/**
 * One operation as a GraphQL multipart request (the spec's `operations`, `map`, then one part per file), as
 * apollo-upload-client sends it from a browser: with Apollo-Require-Preflight unless `preflight` is false.
 */
export async function executeUpload<TData, TVariables>(
  baseUrl: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  files: UploadFile[],
  options: { apiKey?: string; preflight?: boolean } = {},
): Promise<{ status: number; body: GraphQLResponse<TData> & { error?: string } }> {
  const form = new FormData();
  form.append("operations", JSON.stringify({ query: print(document), variables }));
  form.append(
    "map",
    JSON.stringify(Object.fromEntries(files.map((file, i) => [String(i), [`variables.${file.path}`]]))),
  );
  files.forEach((file, i) => form.append(String(i), new Blob([file.bytes], { type: file.contentType }), file.fileName));
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: {
      ...(options.preflight === false ? {} : { "apollo-require-preflight": "true" }),
      ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }),
    },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse<TData> & { error?: string } };
}
