import { randomUUID } from "node:crypto";
import type { Principal } from "../../src/domain/accounts/principal";

/** A principal as a standard key with no limits of its own resolves to; `fields` sets the rest. */
export function principalOf(fields: Pick<Principal, "userId" | "role"> & Partial<Principal>): Principal {
  return {
    apiKeyId: randomUUID(),
    rateLimitPerMinute: null,
    apiKeyKind: "STANDARD",
    apiKeyExpiresAt: null,
    apiKeyModels: null,
    userAllowedModels: null,
    teamAllowedModels: null,
    ...fields,
  };
}
