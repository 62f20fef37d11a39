import { randomUUID } from "node:crypto";
import { resolveRequest } from "../../src/domain/generation/resolve-request";
import type { OpenGenerationArgs } from "../../src/domain/generation/open-generation";
import type { SettleArgs } from "../../src/domain/generation/settle-generation";

// Items for openGenerations and settleGenerations, as the generation flow makes them: a DALL-E 2 256x256 request of
// one image (0.016 held), and its settle with one stored image whose revised prompt needs quoting.

const NOW = new Date();

export function openArgs(userId: string, input: { prompt?: string; idempotencyKey?: string } = {}): OpenGenerationArgs {
  return {
    id: randomUUID(),
    userId,
    provider: "openai",
    request: resolveRequest(
      { model: "DALL_E_2", size: "SIZE_256X256", prompt: input.prompt ?? "a lighthouse", ...input },
      "DALL_E_2",
    ),
    now: NOW,
    holdTtlMs: 600_000,
    timeZone: "UTC",
    sessionKeyId: null,
  };
}

export function settleArgs(generationId: string, costMicros: bigint): SettleArgs {
  const image = {
    generationId,
    index: 0,
    storageKey: `${generationId}/0.png`,
    contentType: "image/png",
    width: 256,
    height: 256,
    revisedPrompt: 'a "quoted", {braced} prompt',
  };
  return { generationId, costMicros, shortfallMicros: 0n, usage: undefined, images: [image], at: NOW };
}
