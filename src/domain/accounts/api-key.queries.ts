import type { Db } from "../db";
import type { ApiKeyKind, ImageModel } from "../enums";

/** A key as its owner, FINANCE and ADMIN see it: never its secret or hash. */
export interface ApiKeyRow {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  kind: ApiKeyKind;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  spendLimitMicros: bigint | null;
  models: ImageModel[] | null;
}

export const API_KEYS_FIRST_DEFAULT = 100;
/** Also the length the operation cost counts for User.apiKeys (src/graphql/query-cost.ts). */
export const API_KEYS_FIRST_MAX = 100;

/** Which of a user's keys to list: the newest `first`; only usable ones (active), only unusable ones, or all (null). */
export interface ApiKeyListing {
  first: number;
  active: boolean | null;
  /** Usable means neither revoked nor expired at this instant. */
  now: Date;
}

/** Each user's keys, newest first, in the order of `userIds`: one statement for a whole list of users. */
export async function apiKeysOfUsers(db: Db, userIds: readonly string[], listing: ApiKeyListing) {
  const rows = await db.$queryRaw<ApiKeyRow[]>`
    SELECT k.id, k.user_id AS "userId", k.name, k.prefix, k.kind::text AS kind, k.created_at AS "createdAt",
           k.last_used_at AS "lastUsedAt", k.expires_at AS "expiresAt", k.revoked_at AS "revokedAt",
           k.spend_limit_micros AS "spendLimitMicros", k.models::text[] AS models
      FROM unnest(${[...userIds]}::uuid[]) AS owner(id)
      CROSS JOIN LATERAL (
        SELECT * FROM api_keys x
         WHERE x.user_id = owner.id
           AND (${listing.active}::boolean IS NULL
                OR ${listing.active}::boolean = (x.revoked_at IS NULL AND (x.expires_at IS NULL
                                                                            OR x.expires_at > ${listing.now}::timestamptz)))
         ORDER BY x.created_at DESC, x.id DESC
         LIMIT ${listing.first}) k`;
  const byUser = new Map<string, ApiKeyRow[]>(userIds.map((id) => [id, []]));
  for (const row of rows) byUser.get(row.userId)!.push(withModelsOrNull(row));
  return userIds.map((id) => byUser.get(id)!);
}

/** Keys by id, whoever owns them (the keys that spend rows name), as apiKeysOfUsers gives them. */
export async function apiKeysById(db: Db, ids: readonly string[]): Promise<ApiKeyRow[]> {
  const keys = await db.apiKey.findMany({ where: { id: { in: [...ids] } }, omit: { secretHash: true } });
  return keys.map(withModelsOrNull);
}

/** A key limited to no model is one limited to none: `models` null, "any", as ApiKeyType says. */
function withModelsOrNull<T extends { models: ImageModel[] | null }>(
  row: T,
): Omit<T, "models"> & { models: ImageModel[] | null } {
  return { ...row, models: row.models?.length ? row.models : null };
}
