// Strings a provider wrote, before we keep or repeat them. What we store must be text PostgreSQL can hold (no U+0000)
// and well-formed Unicode; what reaches an error message, and so a log, must be short and say nothing but an
// identifier: provider text may quote the prompt, the API key (some gateways echo it) or anything else.

/** The longest revised prompt kept: the longest prompt we accept. */
export const MAX_REVISED_PROMPT_CHARS = 32_000;

// eslint-disable-next-line no-control-regex -- U+0000 is the point: PostgreSQL's text cannot hold it
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The string without U+0000 and lone surrogates, cut to at most `maxChars` UTF-16 units without splitting a pair;
 * undefined when that leaves nothing (or it was not a string).
 */
export function storableText(value: unknown, maxChars: number): string | undefined {
  if (typeof value !== "string") return undefined;
  // Cut first (with room for a pair) so that a huge string costs one bounded copy, then clean.
  let text = value.slice(0, maxChars + 1).replace(UNSTORABLE, "");
  if (text.length > maxChars) {
    const cut = /[\ud800-\udbff]/.test(text[maxChars - 1] ?? "") ? maxChars - 1 : maxChars;
    text = text.slice(0, cut);
  }
  return text === "" ? undefined : text;
}

const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
/** Runs this long shared with the API key mean the provider echoed (part of) it. */
const SECRET_RUN_CHARS = 8;

/**
 * A provider's error code, type, name or request id as we may repeat it: a short identifier (letters, digits and
 * `_ . : -`, at most 64 characters) sharing no 8-character run with `secret`; anything else is dropped (undefined).
 */
export function identifierOf(value: unknown, secret: string): string | undefined {
  if (typeof value !== "string" || !IDENTIFIER.test(value)) return undefined;
  for (let start = 0; start + SECRET_RUN_CHARS <= value.length; start++) {
    if (secret.includes(value.slice(start, start + SECRET_RUN_CHARS))) return undefined;
  }
  return value;
}
