import type { RequestScope } from "../domain/request-scope";

/**
 * What the edge learns about one HTTP request as it is served, for its access log line and its metrics. It is the
 * request's RequestScope too: the generation flow fills in the generation and its cost.
 */
export interface RequestRecord extends RequestScope {
  /** performance.now() when the request arrived. */
  readonly startedMs: number;
  /** GraphQL: the operation's name, once Apollo has resolved it (undefined for an anonymous one). */
  operationName?: string;
  /** GraphQL: whether Apollo got as far as resolving an operation (parsed and valid). */
  operationResolved?: boolean;
  /** The caller's user id, once its key was checked. */
  principalId?: string;
  /** GraphQL: the codes of the errors in the answer, in order. */
  errorCodes?: string[];
}
