// @imagegate/sdk: typed documents for every public operation of imagegate's API (generated from its schema.graphql),
// and a small client for them: HTTP, subscriptions over graphql-ws, uploads, and errors typed by extensions.code.
export * from "./generated/graphql.js";
export { createImagegateClient } from "./client.js";
export type { ImagegateClient, ImagegateClientOptions, RequestOptions } from "./client.js";
export { ImagegateError } from "./errors.js";
export type { ErrorDetailsByCode, ImagegateErrorCode, ImagegateErrorExtensions } from "./errors.js";
