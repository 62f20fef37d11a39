import pino from "pino";
import type { Db } from "../../src/domain/db";
import { releaseGenerations } from "../../src/domain/ledger/sweeper";
import { settleGenerations } from "../../src/domain/generation/settle-generation";
import type { GenerationUpdates, PartialImageUpdate } from "../../src/domain/generation/generation-updates";
import { eventually } from "./eventually";
import { openGeneration } from "./hold-fixtures";
import { settleArgs } from "./generation-batches";
import type { Subscription } from "./ws-client";

// Generations moved by hand, as the flow of another process would move them, for the tests of live updates: opened
// (PENDING, holding 0.016), then succeeded (charged 0.016, one image) or failed (released).

export const HOLD_MICROS = 16_000n;
export const silentLogger = pino({ level: "silent" });

export function pendingGeneration(db: Db, userId: string): Promise<string> {
  return openGeneration(db, { userId, amountMicros: HOLD_MICROS, expiresAt: new Date(Date.now() + 600_000) });
}

export async function succeed(db: Db, generationId: string): Promise<void> {
  const [settled] = await settleGenerations(db, [settleArgs(generationId, HOLD_MICROS)], "UTC");
  if (settled === null || settled === undefined) throw new Error("the generation could not be settled");
}

export async function fail(db: Db, generationId: string): Promise<void> {
  const { released } = await releaseGenerations(db, [{ generationId, errorCode: "UPSTREAM_ERROR" }]);
  if (released !== 1) throw new Error("the generation's hold could not be released");
}

/** A partial image's bytes: recognisable, so a test can tell which one arrived. */
export const partialBytes = (index: number, partialIndex: number): Buffer =>
  Buffer.from(`partial image ${index}/${partialIndex} `.repeat(100 * (partialIndex + 1)));

export const partial = (index: number, partialIndex: number): PartialImageUpdate => ({
  index,
  partialIndex,
  bytes: partialBytes(index, partialIndex),
});

/**
 * The first partial image, announced again and again until the subscriber has it: then the subscribing process is
 * known to be listening (its LISTEN or SUBSCRIBE may still be on its way when the server starts). A repeat of a
 * partial image already passed on is dropped, so the subscriber sees it once.
 */
export async function announceFirstPartial<T>(
  updates: GenerationUpdates,
  generationId: string,
  subscription: Subscription<T>,
): Promise<void> {
  const before = subscription.events.length;
  await eventually(
    async () => {
      await updates.partialImage(generationId, partial(0, 0));
      await new Promise((resolve) => setTimeout(resolve, 50));
      return subscription.events.length > before;
    },
    15_000,
    "the first partial image to reach the subscriber",
  );
}
