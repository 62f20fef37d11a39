import type { Db } from "../db";
import { DomainError } from "../errors";
import type { RequestScope } from "../request-scope";
import type { GenerationRecord } from "./generation-record";
import { WITH_IMAGES } from "./generation.queries";
import { errorForStoredFailure } from "./provider-failure";

const REPLAY_WAIT_MS = 30_000;
const REPLAY_POLL_MS = 100;

export function findByIdempotencyKey(db: Db, userId: string, idempotencyKey: string): Promise<GenerationRecord | null> {
  return db.imageGeneration.findUnique({
    where: { userId_idempotencyKey: { userId, idempotencyKey } },
    include: WITH_IMAGES,
  });
}

/** Refuses a different request under an idempotency key already used (`same`: the kind's comparison). */
export function checkSameRequest(same: boolean): void {
  if (!same) {
    throw new DomainError("BAD_USER_INPUT", "idempotencyKey was already used for a different request", {
      field: "input.idempotencyKey",
    });
  }
}

/**
 * The first outcome of an idempotent request, once it has one (waiting a while for one still PENDING): its
 * generation, or the error it failed with (not retryable: the same key gives the same answer).
 */
export async function replayOutcome(db: Db, earlier: GenerationRecord, scope: RequestScope): Promise<GenerationRecord> {
  scope.generationId = earlier.id;
  let current = earlier;
  const deadline = Date.now() + REPLAY_WAIT_MS;
  while (current.status === "PENDING" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, REPLAY_POLL_MS));
    current = (await findByIdempotencyKey(db, current.userId, current.idempotencyKey!))!;
  }
  if (current.status === "FAILED") throw errorForStoredFailure(current.errorCode, current.id);
  if (current.status === "SUCCEEDED") scope.costMicros = current.costMicros;
  return current;
}
