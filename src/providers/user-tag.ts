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
