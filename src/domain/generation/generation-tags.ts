import { badInput } from "../errors";

// Project tags on a generation (spend by TAG). A tag is a label finance groups by, so spellings that mean the same
// must land in one group: each is trimmed, its inner runs of white space become one space, it is put in Unicode NFC
// and lower-cased; duplicates (after that) count once, and the set is stored sorted.

export const MAX_TAGS = 10;
export const MAX_TAG_LENGTH = 64;

const CONTROL_CHARACTERS = /\p{Cc}/u;

/** The normalised, distinct, sorted tags; throws BAD_USER_INPUT naming `field` (and the tag's index). */
export function normalizeTags(field: string, tags: readonly string[] | null | undefined): string[] {
  if (tags === null || tags === undefined) return [];
  if (tags.length > MAX_TAGS) throw badInput(field, `at most ${MAX_TAGS} tags`);
  const normalized = tags.map((tag, index) => normalizeTag(`${field}[${index}]`, tag));
  return [...new Set(normalized)].sort();
}

function normalizeTag(field: string, tag: string): string {
  if (CONTROL_CHARACTERS.test(tag)) throw badInput(field, "a tag must not contain control characters");
  const normalized = tag.trim().replace(/\s+/gu, " ").normalize("NFC").toLowerCase();
  if (normalized.length === 0) throw badInput(field, "a tag must not be empty");
  // Characters as people count them (code points), not UTF-16 units.
  if ([...normalized].length > MAX_TAG_LENGTH) {
    throw badInput(field, `a tag must be at most ${MAX_TAG_LENGTH} characters`);
  }
  return normalized;
}
