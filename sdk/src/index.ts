// @imagegate/sdk: typed documents for every public operation of imagegate's API (generated from its schema.graphql),
// and a small client for them: HTTP, subscriptions over graphql-ws, uploads, and errors typed by extensions.code.
export * from "./generated/graphql.js";
// The documents' type, for code that takes any of them (a React hook running a query, say).
export type { TypedDocumentNode } from "@graphql-typed-document-node/core";
export { createImagegateClient } from "./client.js";
export type { ImagegateClient, ImagegateClientOptions, RequestOptions } from "./client.js";
export { ImagegateError } from "./errors.js";
// A document as the query string the client sends, without graphql-js: for sending one with a fetch of your own.
export { operationNameOf, printDocument } from "./print.js";
export type { ErrorDetailsByCode, ImagegateErrorCode, ImagegateErrorExtensions } from "./errors.js";
