import { createHmac } from "node:crypto";

// Without a configured secret the tag is still stable and one-way, but anyone who can enumerate user ids
// could recompute it: set USER_TAG_SECRET in production.
const DEFAULT_SECRET = "imagegate-user-tag-v1";
const TAG_LENGTH_CHARS = 32;

/** The caller's tag for OpenAI's `user` field: HMAC-SHA256(secret, userId), hex, first 32 characters. */
export function userTag(userId: string, secret?: string): string {
  return createHmac("sha256", secret === undefined || secret === "" ? DEFAULT_SECRET : secret)
    .update(userId)
    .digest("hex")
    .slice(0, TAG_LENGTH_CHARS);
}

const REMEMBERED_TAGS = 10_000;

/**
 * userTag with one secret, remembering the tags of the last users seen (up to 10,000): an HMAC per request was
 * 2.4 % of the main thread's CPU at c=1 (bench/RESULTS.md), for a value that never changes.
 */
export function userTagger(secret?: string): (userId: string) => string {
  const tags = new Map<string, string>();
  return (userId) => {
    let tag = tags.get(userId);
    if (tag === undefined) {
      if (tags.size >= REMEMBERED_TAGS) tags.clear();
      tag = userTag(userId, secret);
      tags.set(userId, tag);
    }
    return tag;
  };
}
