import { createHash, randomBytes } from "node:crypto";
import { recordAudit } from "../audit/audit-log";
import type { AuditAction } from "../audit/audit-actions";
import { queryPrepared, type Db, type PreparedStatement, type Tx } from "../db";
import { badInput, forbidden, notFound, roleRequired } from "../errors";
import type { ApiKeyKind, ImageModel } from "../enums";
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
  expiresAt: Date | null;
}

/** What a new key is: its owner, name and limits (a session key's are set by session-keys.ts). */
export interface NewApiKey {
  userId: string;
  name: string;
  kind: ApiKeyKind;
  expiresAt: Date | null;
  spendLimitMicros: bigint | null;
  models: ImageModel[];
}

/**
 * Writes a key and its audit entry (`action`) in the caller's transaction; returns the secret, which exists nowhere
 * else. The secret itself is never recorded: only the key's id, owner, display prefix and limits.
 */
export async function insertApiKey(tx: Tx, actorId: string | null, action: AuditAction, key: NewApiKey) {
  const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
  const row = await tx.apiKey.create({
    data: { ...key, secretHash: hashSecret(secret), prefix: secret.slice(0, SECRET_PREFIX.length + 6) },
  });
  const { secretHash: _hash, ...described } = row;
  await recordAudit(tx, { actorId, action, targetType: "ApiKey", targetId: row.id, after: described });
  return { id: row.id, name: row.name, secret, expiresAt: row.expiresAt } satisfies CreatedApiKey;
}

export function checkedKeyName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_KEY_NAME_LENGTH) {
    throw badInput("name", `name must be 1 to ${MAX_KEY_NAME_LENGTH} characters`);
  }
  return trimmed;
}

/** A standard key for a user; `expiresAt`, if given, must lie ahead of `now` (the server's clock). */
export async function createApiKey(
  tx: Tx,
  input: { actorId: string | null; userId: string; name: string; expiresAt?: Date | null; now?: Date },
): Promise<CreatedApiKey> {
  const name = checkedKeyName(input.name);
  const expiresAt = input.expiresAt ?? null;
  if (expiresAt !== null && expiresAt.getTime() <= (input.now ?? new Date()).getTime()) {
    throw badInput("expiresAt", "expiresAt must be in the future");
  }
  const user = isUuid(input.userId)
    ? await tx.user.findUnique({ where: { id: input.userId }, select: { id: true } })
    : null;
  if (user === null) throw notFound("User");
  return insertApiKey(tx, input.actorId, "createApiKey", {
    userId: user.id,
    name,
    kind: "STANDARD",
    expiresAt,
    spendLimitMicros: null,
    models: [],
  });
}

const AUTHENTICATE: PreparedStatement = {
  name: "imagegate_authenticate",
  // The key and its user in one join (Prisma would issue two queries): one round trip on every request. A key's
  // expiry is returned, not compared here: the authenticator checks it at every request against the server's clock,
  // kept principals included. An inactive user's keys are refused like revoked ones. The allowlists come as text[]
  // (node-postgres parses those; not arrays of our enum type), null when none applies.
  text: `SELECT u.id AS "userId", u.role::text AS role, k.id AS "apiKeyId",
                u.rate_limit_per_minute AS "rateLimitPerMinute",
                k.kind::text AS "apiKeyKind", k.expires_at AS "apiKeyExpiresAt", k.models::text[] AS "apiKeyModels",
                CASE WHEN u.models_restricted THEN coalesce(u.allowed_models, '{}')::text[] END AS "userAllowedModels",
                CASE WHEN t.models_restricted THEN coalesce(t.allowed_models, '{}')::text[] END AS "teamAllowedModels"
           FROM api_keys k JOIN users u ON u.id = k.user_id LEFT JOIN teams t ON t.id = u.team_id
          WHERE k.secret_hash = $1 AND k.revoked_at IS NULL AND u.active`,
};

/** The principal behind a key, by its secret's hash (`hashSecret`); null when the key is unknown or revoked. */
export async function principalOfKey(db: Db, secretHash: string): Promise<Principal | null> {
  const rows = await queryPrepared<Principal>(db, AUTHENTICATE, [secretHash]);
  const row = rows[0];
  if (row === undefined) return null;
  // A session key is its user narrowed: never more than a MEMBER, whatever its user's role (session-keys.ts).
  const role = row.apiKeyKind === "SESSION" ? "MEMBER" : row.role;
  return { ...row, role, apiKeyModels: row.apiKeyModels?.length ? row.apiKeyModels : null };
}

/** Whether the key behind `principal` has expired at `now`: it is then refused like a revoked one. */
export const keyExpired = (principal: Principal, now: Date): boolean =>
  principal.apiKeyExpiresAt !== null && principal.apiKeyExpiresAt.getTime() <= now.getTime();

/** Revokes a key of the caller's own, or any key for an ADMIN. Revoking twice is harmless. */
export async function revokeApiKey(tx: Tx, principal: Principal, keyId: string) {
  const key = isUuid(keyId) ? await tx.apiKey.findUnique({ where: { id: keyId } }) : null;
  if (key === null) throw notFound("API key");
  if (key.userId !== principal.userId && principal.role !== "ADMIN") {
    throw roleRequired(["ADMIN"], "Revoking another user's key");
  }
  // A browser's key may end its own session, never cut its backend off by revoking the user's other keys.
  if (principal.apiKeyKind === "SESSION" && key.id !== principal.apiKeyId) {
    throw forbidden("A session key can revoke only itself");
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
