import { DomainError } from "../errors";
import type { FlowContext } from "./flow-context";
import type { GenerationRecord, ImageRecord } from "./generation-record";
import type { ProviderImage, ProviderResult } from "./image-provider";
import type { OpenedGeneration } from "./open-generation";
import type { RequestKind } from "./request-kind";
import type { GenerationRequest } from "./resolve-request";
import { settleBudgeted } from "./settle-budgeted";
import type { SettleArgs } from "./settle-generation";

/**
 * Stores the provider's images, then charges what the kind says they cost, in one statement grouped with the
 * settles in flight beside it (alone, under the budgets' locks, when a budget applies: ./settle-budgeted.ts).
 * Throws UPSTREAM_ERROR for an answer it cannot use, or when the hold expired meanwhile (nothing is then charged).
 */
export async function completeGeneration<Request extends GenerationRequest>(
  flow: FlowContext,
  kind: RequestKind<never, Request>,
  userId: string,
  opened: OpenedGeneration,
  request: Request,
  result: ProviderResult,
): Promise<GenerationRecord> {
  if (result.images.length !== request.n) {
    throw new DomainError("UPSTREAM_ERROR", `The provider returned ${result.images.length} images for n=${request.n}`, {
      retryable: false,
    });
  }
  const images = await storeImages(flow, opened.id, result.images, request);
  if (request.spec.billing === "TOKENS" && result.usage !== undefined && opened.tokenRates === undefined) {
    // Charged the hold: an admin's setTokenPrice fixes it for later requests.
    flow.deps.logger.warn({ generationId: opened.id, model: request.model }, "no token prices in force");
  }
  const settle: SettleArgs = {
    generationId: opened.id,
    ...kind.charge(request, opened, result),
    usage: result.usage,
    images,
    at: flow.now(),
  };
  const settled = opened.budgeted
    ? await settleBudgeted(flow.deps.db, flow.deps.timeZone, userId, opened, settle)
    : await flow.settles.submit(settle);
  if (settled === null) {
    throw new DomainError("UPSTREAM_ERROR", "The generation outlived its hold and was cancelled; nothing was charged", {
      retryable: true,
    });
  }
  return settled;
}

function storeImages(
  flow: FlowContext,
  generationId: string,
  images: ProviderImage[],
  request: GenerationRequest,
): Promise<ImageRecord[]> {
  const { width, height } = request;
  return Promise.all(
    images.map(async (image, index) => ({
      generationId,
      index,
      storageKey: await flow.deps.storage.put(image.bytes, image.contentType),
      contentType: image.contentType,
      width,
      height,
      revisedPrompt: image.revisedPrompt ?? null,
      bytes: image.bytes,
    })),
  );
}
