import type { Role } from "../enums";
import { forbidden } from "../errors";

/** Who is calling: resolved from an API key at the edge, passed to every service that needs to know. */
export interface Principal {
  userId: string;
  role: Role;
  apiKeyId: string;
  /** The user's own images-per-minute limit, when an admin set one. */
  rateLimitPerMinute: number | null;
}

export const canReadOthers = (principal: Principal): boolean =>
  principal.role === "ADMIN" || principal.role === "FINANCE";

/** Members see only their own data; FINANCE and ADMIN see everyone's. */
export function assertCanRead(principal: Principal, ownerId: string): void {
  if (ownerId !== principal.userId && !canReadOthers(principal)) throw forbidden();
}
