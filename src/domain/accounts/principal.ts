import type { ApiKeyKind, ImageModel, Role } from "../enums";
import { roleRequired } from "../errors";

/** Who is calling: resolved from an API key at the edge, passed to every service that needs to know. */
export interface Principal {
  userId: string;
  /** The user's role; MEMBER for a session key, whatever its user's (see session-keys.ts). */
  role: Role;
  apiKeyId: string;
  /** The user's own images-per-minute limit, when an admin set one. */
  rateLimitPerMinute: number | null;
  apiKeyKind: ApiKeyKind;
  /** From this instant the key is refused, checked at every request (kept principals too); null: never. */
  apiKeyExpiresAt: Date | null;
  /** The models a session key may ask for; null: any. */
  apiKeyModels: ImageModel[] | null;
  /** The models the user, and its team, may ask for; null: no restriction (models/allowed-models.ts). */
  userAllowedModels: ImageModel[] | null;
  teamAllowedModels: ImageModel[] | null;
}

export const canReadOthers = (principal: Principal): boolean =>
  principal.role === "ADMIN" || principal.role === "FINANCE";

/** Members see only their own data; FINANCE and ADMIN see everyone's. */
export function assertCanRead(principal: Principal, ownerId: string): void {
  if (ownerId !== principal.userId && !canReadOthers(principal)) {
    throw roleRequired(["FINANCE", "ADMIN"], "Another user's data");
  }
}
