// Request ids cross systems (a caller's X-Request-Id, a provider's x-request-id) and land in logs, headers and error
// extensions. Only a short token of plain characters is taken as one: anything longer or stranger could be used to
// forge log lines, bloat every line of a request, or smuggle a secret into places that are copied around.

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The value when it is a sane request id (1-128 of A-Z a-z 0-9 . _ : -), else undefined. */
export function saneRequestId(value: unknown): string | undefined {
  return typeof value === "string" && SANE_REQUEST_ID.test(value) ? value : undefined;
}
