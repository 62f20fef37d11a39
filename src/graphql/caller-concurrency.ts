import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestListener } from "@apollo/server";
import { GraphQLError, Kind, type OperationDefinitionNode } from "graphql";
import { DomainError } from "../domain/errors";
import type { GraphQLContext } from "./context";

// One caller's reads must not take the database and the CPU from everyone's generateImage (issue 15: twenty
// concurrent pages of a member's generations took other users' generateImage p50 from 12 ms to 1.9 s). So each
// caller (a user, whatever key it uses) has at most OPERATIONS_RUNNING operations running at once in a process; the
// next OPERATIONS_WAITING wait in line, in order, holding nothing but their request; past that, an operation is
// refused at once with RATE_LIMITED. Waiting rather than refusing is deliberate: a client that retries a refusal at
// once would turn it into a flood of requests, while one that waits is held back by the server's own pace.
// generateImage alone is never held back: it is the product, bounded by credits, budgets and the images-per-minute
// limit instead.

export const OPERATIONS_RUNNING = 2;
export const OPERATIONS_WAITING = 32;
const RETRY_AFTER_SECONDS = 1;

interface Caller {
  running: number;
  waiting: (() => void)[];
}

/** Operations running and waiting, per caller, in this process. */
export class CallerConcurrency {
  private readonly callers = new Map<string, Caller>();

  constructor(
    readonly maxRunning = OPERATIONS_RUNNING,
    readonly maxWaiting = OPERATIONS_WAITING,
  ) {}

  /**
   * A place for one operation: a release function once the caller has one free (calling it again does nothing), or
   * null at once when the caller's line is full.
   */
  acquire(callerId: string): Promise<() => void> | null {
    let caller = this.callers.get(callerId);
    if (caller === undefined) this.callers.set(callerId, (caller = { running: 0, waiting: [] }));
    const held = caller;
    if (held.running < this.maxRunning) {
      held.running++;
      return Promise.resolve(this.releaser(callerId, held));
    }
    if (held.waiting.length >= this.maxWaiting) return null;
    return new Promise((resolve) => held.waiting.push(() => resolve(this.releaser(callerId, held))));
  }

  /** How many of a caller's operations run, and how many wait. */
  stateOf(callerId: string): { running: number; waiting: number } {
    const caller = this.callers.get(callerId);
    return { running: caller?.running ?? 0, waiting: caller?.waiting.length ?? 0 };
  }

  private releaser(callerId: string, caller: Caller): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = caller.waiting.shift();
      if (next !== undefined) return next(); // the place passes to the next in line
      caller.running--;
      if (caller.running === 0) this.callers.delete(callerId);
    };
  }
}

/**
 * Only reads wait: the abusive shapes are queries (pages of rows with nested fields), and an admin's burst of
 * mutations (grants, budgets) each takes a row lock briefly and must not be refused half-way. generateImage, the hot
 * path, is a mutation too.
 */
function isExempt(operation: OperationDefinitionNode): boolean {
  return operation.operation !== "query" || isGenerateImageOnly(operation);
}

/** generateImage alone (with __typename at most): the hot path. */
function isGenerateImageOnly(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === "mutation" &&
    operation.selectionSet.selections.every(
      (selection) => selection.kind === Kind.FIELD && ["generateImage", "__typename"].includes(selection.name.value),
    )
  );
}

function lineFull(concurrency: CallerConcurrency): GraphQLError {
  const message =
    `At most ${concurrency.maxRunning} operations of a caller run at once and ${concurrency.maxWaiting} wait ` +
    `(generateImage aside); try again in ${RETRY_AFTER_SECONDS} s`;
  const refusal = new DomainError("RATE_LIMITED", message, {
    retryAfterSeconds: RETRY_AFTER_SECONDS,
    operationsRunning: concurrency.maxRunning,
    operationsWaiting: concurrency.maxWaiting,
  });
  const headers = new HeaderMap([["retry-after", String(RETRY_AFTER_SECONDS)]]);
  return new GraphQLError(message, { originalError: refusal, extensions: { http: { status: 429, headers } } });
}

/**
 * Holds an operation from the moment it is resolved (parsed, validated, its caller known) until its answer is ready.
 * The place is given back on whichever comes first of its errors and its answer (Apollo reports one or both,
 * whatever fails), or at once if the answer was sent while it waited (another plugin refused the operation).
 */
export const limitOperationsPerCaller: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart(): Promise<GraphQLRequestListener<GraphQLContext>> {
    let release: (() => void) | null = null;
    let answered = false;
    const finish = async () => {
      answered = true;
      release?.();
    };
    return {
      async didResolveOperation({ contextValue, operation }) {
        const principal = contextValue.principal;
        // Without a caller, nothing but introspection and __typename runs: every other field is refused.
        if (principal === null || operation === undefined || isExempt(operation)) return;
        const concurrency = contextValue.services.operations;
        const place = concurrency.acquire(principal.userId);
        if (place === null) throw lineFull(concurrency);
        release = await place;
        if (answered) release();
      },
      didEncounterErrors: finish,
      willSendResponse: finish,
    };
  },
};
