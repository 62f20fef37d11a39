import type { Tx } from "../db";
import type { ImageModel } from "../enums";
import { badInput, DomainError, forbidden } from "../errors";
import { formatMoney } from "../money";
import { insertApiKey, type CreatedApiKey } from "./api-keys";
import type { Principal } from "./principal";

// A session key is what a backend hands one browser session: its user's principal, narrowed. It expires after its
// TTL; it cannot spend past its limit in total (held and charged, checked with the hold under the user's lock:
// imagegate_open_generation); it may be limited to some models; it acts as a MEMBER whatever its user's role (a
// key living in a browser must not carry admin or finance powers); and it can create no keys, revoke none but
// itself.

export const SESSION_TTL_SECONDS_MIN = 60;
export const SESSION_TTL_SECONDS_MAX = 24 * 60 * 60;

export interface SessionKeyInput {
  ttlSeconds: number;
  spendLimitMicros: bigint;
  /** null: any model its user may use. */
  models: readonly ImageModel[] | null;
  now: Date;
}

/** Refuses a session key any key creation. */
export function assertMayCreateKeys(principal: Principal): void {
  if (principal.apiKeyKind === "SESSION") throw forbidden("A session key cannot create keys");
}

/** Refuses, before anything is held, a model its session key is not limited to. */
export function assertKeyAllowsModel(principal: Principal, model: ImageModel): void {
  if (principal.apiKeyModels !== null && !principal.apiKeyModels.includes(model)) {
    throw new DomainError("MODEL_NOT_ALLOWED", `This session key may not use ${model}`, {
      model,
      scope: "SESSION_KEY",
    });
  }
}

/** A session key for the caller itself. */
export async function createSessionKey(tx: Tx, principal: Principal, input: SessionKeyInput): Promise<CreatedApiKey> {
  assertMayCreateKeys(principal);
  const { ttlSeconds, spendLimitMicros, models } = input;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < SESSION_TTL_SECONDS_MIN || ttlSeconds > SESSION_TTL_SECONDS_MAX) {
    throw badInput("ttlSeconds", `ttlSeconds must be ${SESSION_TTL_SECONDS_MIN} to ${SESSION_TTL_SECONDS_MAX}`);
  }
  if (spendLimitMicros <= 0n) throw badInput("spendLimit", "spendLimit must be more than 0");
  if (models !== null && models.length === 0) {
    throw badInput("models", "models must name at least one model; leave it out for any");
  }
  const expiresAt = new Date(input.now.getTime() + ttlSeconds * 1000);
  return insertApiKey(tx, principal.userId, "createSessionKey", {
    userId: principal.userId,
    name: `session until ${expiresAt.toISOString()}, ${formatMoney(spendLimitMicros)}`,
    kind: "SESSION",
    expiresAt,
    spendLimitMicros,
    models: models === null ? [] : [...new Set(models)],
  });
}
