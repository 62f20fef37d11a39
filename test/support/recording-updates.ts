import type { GenerationUpdates, PartialImageUpdate } from "../../src/domain/generation/generation-updates";

export type RecordedUpdate =
  | { kind: "changed"; generationId: string }
  | { kind: "partialImage"; generationId: string; partial: PartialImageUpdate };

/** A GenerationUpdates that keeps every announcement, in the order the flow made them. */
export function recordingUpdates(): GenerationUpdates & {
  events: RecordedUpdate[];
  /** How many times `generationId` was announced as changed. */
  changes(generationId: string): number;
  partials(generationId: string): PartialImageUpdate[];
} {
  const events: RecordedUpdate[] = [];
  return {
    events,
    changed: async (generationId) => void events.push({ kind: "changed", generationId }),
    partialImage: async (generationId, partial) => void events.push({ kind: "partialImage", generationId, partial }),
    changes: (generationId) =>
      events.filter((event) => event.kind === "changed" && event.generationId === generationId).length,
    partials: (generationId) =>
      events.flatMap((event) =>
        event.kind === "partialImage" && event.generationId === generationId ? [event.partial] : [],
      ),
  };
}
