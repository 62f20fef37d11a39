import { isUuid } from "../domain/ids";

// What travels between processes (a NOTIFY payload, a Redis message): only ids, well under NOTIFY's 8000 bytes. A
// partial image's bytes wait in PostgreSQL or Redis for a short while, under `ref`, for the processes that watch it.

export type Announcement = { generationId: string; ref?: undefined } | { generationId: string; ref: string };

/** Partial images larger than this are not passed on (a 4K PNG is about 25 MB; the provider's cap is 64 MiB). */
export const MAX_PARTIAL_IMAGE_BYTES = 32 * 1024 * 1024;
/** How long a partial image's bytes are kept for the processes that were told of it: they read them at once. */
export const PARTIAL_IMAGE_TTL_SECONDS = 60;
/** Announcements of one generation waiting to be published, past which partial images are dropped. */
export const MAX_QUEUED_ANNOUNCEMENTS = 8;

const REF = /^[A-Za-z0-9:_-]{1,80}$/;

export function encodeAnnouncement(announcement: Announcement): string {
  return JSON.stringify(
    announcement.ref === undefined
      ? { g: announcement.generationId }
      : { g: announcement.generationId, p: announcement.ref },
  );
}

/** The announcement in a payload, or undefined for anything else (which is ignored, never trusted). */
export function decodeAnnouncement(payload: string): Announcement | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { g, p } = parsed as { g?: unknown; p?: unknown };
  if (typeof g !== "string" || !isUuid(g)) return undefined;
  if (p === undefined) return { generationId: g };
  return typeof p === "string" && REF.test(p) ? { generationId: g, ref: p } : undefined;
}
