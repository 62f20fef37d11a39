import { createHash, randomBytes } from "node:crypto";
import { recordAudit } from "../audit/audit-log";
import { queryPrepared, type Db, type PreparedStatement, type Tx } from "../db";
import { badInput, notFound, roleRequired } from "../errors";
import { isUuid } from "../ids";
import type { Principal } from "./principal";

// A key is 256 random bits. It is shown once; we keep only its SHA-256, which is safe for high-entropy secrets
// and keeps authentication to a single index lookup.

const SECRET_PREFIX = "igk_";
const MAX_KEY_NAME_LENGTH = 100;

export const hashSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

export interface CreatedApiKey {
  id: string;
  name: string;
  secret: string;
}

export async function createApiKey(
  tx: Tx,
  input: { actorId: string | null; userId: string; name: string },
): Promise<CreatedApiKey> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_KEY_NAME_LENGTH) {
    throw badInput("name", `name must be 1 to ${MAX_KEY_NAME_LENGTH} characters`);
  }
  const user = isUuid(input.userId)
    ? await tx.user.findUnique({ where: { id: input.userId }, select: { id: true } })
    : null;
  if (user === null) throw notFound("User");
  const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
  const key = await tx.apiKey.create({
    data: { userId: user.id, name, secretHash: hashSecret(secret), prefix: secret.slice(0, SECRET_PREFIX.length + 6) },
  });
  // The secret itself is never recorded: only the key's id, owner and display prefix.
  await recordAudit(tx, {
    actorId: input.actorId,
    action: "createApiKey",
    targetType: "ApiKey",
    targetId: key.id,
    after: { userId: key.userId, name: key.name, prefix: key.prefix },
  });
  return { id: key.id, name: key.name, secret };
}

const AUTHENTICATE: PreparedStatement = {
  name: "imagegate_authenticate",
  // The key and its user in one join (Prisma would issue two queries): one round trip on every request.
  // An inactive user's keys are refused like revoked ones. The allowlists come as text[] (node-postgres parses those;
  // not arrays of our enum type), null when none applies.
  text: `SELECT u.id AS "userId", u.role::text AS role, k.id AS "apiKeyId",
                u.rate_limit_per_minute AS "rateLimitPerMinute",
                CASE WHEN u.models_restricted THEN coalesce(u.allowed_models, '{}')::text[] END AS "userAllowedModels",
                CASE WHEN t.models_restricted THEN coalesce(t.allowed_models, '{}')::text[] END AS "teamAllowedModels"
           FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN teams t ON t.id = u.team_id
          WHERE k.secret_hash = $1 AND k.revoked_at IS NULL AND u.active`,
};

/** The principal behind a key, by its secret's hash (`hashSecret`); null when the key is unknown or revoked. */
export async function principalOfKey(db: Db, secretHash: string): Promise<Principal | null> {
  const rows = await queryPrepared<Principal>(db, AUTHENTICATE, [secretHash]);
  return rows[0] ?? null;
}

/** Revokes a key of the caller's own, or any key for an ADMIN. Revoking twice is harmless. */
export async function revokeApiKey(tx: Tx, principal: Principal, keyId: string) {
  const key = isUuid(keyId) ? await tx.apiKey.findUnique({ where: { id: keyId } }) : null;
  if (key === null) throw notFound("API key");
  if (key.userId !== principal.userId && principal.role !== "ADMIN") {
    throw roleRequired(["ADMIN"], "Revoking another user's key");
  }
  if (key.revokedAt !== null) return key;
  const revoked = await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
  await recordAudit(tx, {
    actorId: principal.userId,
    action: "revokeApiKey",
    targetType: "ApiKey",
    targetId: key.id,
    before: { revokedAt: null },
    after: { revokedAt: revoked.revokedAt },
  });
  return revoked;
}
