import { listenForNotifications, type NotificationListener } from "../db/notification-listener";
import type { Db } from "../domain/db";
import { queryPrepared, type PreparedStatement } from "../domain/db";
import { describeError, type Logger } from "../domain/logger";
import type { GenerationFanout } from "../domain/generation/generation-fanout";
import type { GenerationUpdates, PartialImageUpdate } from "../domain/generation/generation-updates";
import {
  decodeAnnouncement,
  encodeAnnouncement,
  MAX_PARTIAL_IMAGE_BYTES,
  MAX_QUEUED_ANNOUNCEMENTS,
  PARTIAL_IMAGE_TTL_SECONDS,
} from "./announcement";
import { InOrderPerKey } from "./in-order";

// Generations' announcements through PostgreSQL: NOTIFY on `imagegate_generations`, heard by one LISTEN connection
// per process. A payload may hold 8000 bytes, so a partial image (megabytes) waits in generation_partial_images (an
// UNLOGGED table) and the notification names its row; the processes watching that generation read it at once, the
// others ignore it. Each insert deletes a few rows older than a minute, so the table stays small with no timer.

export const GENERATIONS_CHANNEL = "imagegate_generations";

const NOTIFY: PreparedStatement = {
  name: "imagegate_generation_notify",
  text: `SELECT pg_notify('${GENERATIONS_CHANNEL}', $1)`,
};

const STORE_PARTIAL: PreparedStatement = {
  name: "imagegate_generation_partial_store",
  text: `
    WITH expired AS (
      DELETE FROM generation_partial_images WHERE id IN (
        SELECT id FROM generation_partial_images
         WHERE created_at < now() - make_interval(secs => ${PARTIAL_IMAGE_TTL_SECONDS})
         ORDER BY created_at LIMIT 64 FOR UPDATE SKIP LOCKED)),
    stored AS (
      INSERT INTO generation_partial_images (generation_id, image_index, partial_index, bytes)
      VALUES ($1::uuid, $2, $3, $4) RETURNING id)
    SELECT pg_notify('${GENERATIONS_CHANNEL}', json_build_object('g', $1::uuid, 'p', stored.id::text)::text)
      FROM stored`,
};

const READ_PARTIAL: PreparedStatement = {
  name: "imagegate_generation_partial_read",
  text: `
    SELECT image_index, partial_index, bytes FROM generation_partial_images
     WHERE id = $1::bigint AND generation_id = $2::uuid
       AND created_at >= now() - make_interval(secs => ${PARTIAL_IMAGE_TTL_SECONDS})`,
};

/** The publishing side: what the generation flow calls (never throws, logs what it could not send). */
export class PostgresGenerationUpdates implements GenerationUpdates {
  private readonly inOrder = new InOrderPerKey(MAX_QUEUED_ANNOUNCEMENTS);

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  async changed(generationId: string): Promise<void> {
    await this.inOrder.run(
      generationId,
      () => this.attempt(generationId, () => queryPrepared(this.db, NOTIFY, [encodeAnnouncement({ generationId })])),
      false,
    );
  }

  async partialImage(generationId: string, partial: PartialImageUpdate): Promise<void> {
    if (!partialFits(partial, this.logger, generationId)) return;
    const sent = await this.inOrder.run(
      generationId,
      () =>
        this.attempt(generationId, () =>
          queryPrepared(this.db, STORE_PARTIAL, [generationId, partial.index, partial.partialIndex, partial.bytes]),
        ),
      true,
    );
    if (!sent) this.logger.warn({ generationId }, "partial image not announced: earlier ones are still being sent");
  }

  private async attempt(generationId: string, send: () => Promise<unknown>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.logger.warn({ generationId, cause: describeError(error) }, "generation update not announced");
    }
  }
}

/** Whether a partial image can be passed on: its place in the series is sane and its size bounded. */
export function partialFits(partial: PartialImageUpdate, logger: Logger, generationId: string): boolean {
  const fits =
    Number.isSafeInteger(partial.index) &&
    partial.index >= 0 &&
    Number.isSafeInteger(partial.partialIndex) &&
    partial.partialIndex >= 0 &&
    partial.bytes.length <= MAX_PARTIAL_IMAGE_BYTES;
  if (!fits) {
    logger.warn(
      { generationId, index: partial.index, partialIndex: partial.partialIndex, bytes: partial.bytes.length },
      "partial image not announced: out of bounds",
    );
  }
  return fits;
}

/** The receiving side: one LISTEN connection, each announcement handed to the process's watchers. */
export function listenForGenerationUpdates(args: {
  databaseUrl: string;
  db: Db;
  fanout: GenerationFanout;
  logger: Logger;
}): NotificationListener {
  const { db, fanout } = args;
  return listenForNotifications({
    databaseUrl: args.databaseUrl,
    channel: GENERATIONS_CHANNEL,
    onNotification: (payload) => {
      const announcement = decodeAnnouncement(payload);
      if (announcement === undefined) return;
      const { generationId, ref } = announcement;
      if (ref === undefined) fanout.changed(generationId);
      else fanout.partial(generationId, () => readPartial(db, ref, generationId));
    },
    // Notifications sent while the connection was away are lost: every watcher re-reads its generation.
    onListening: () => fanout.resync(),
    onLost: () => undefined,
    logger: args.logger,
  });
}

async function readPartial(db: Db, ref: string, generationId: string): Promise<PartialImageUpdate | null> {
  if (!/^\d{1,18}$/.test(ref)) return null;
  const rows = await queryPrepared<{ image_index: number; partial_index: number; bytes: Buffer }>(db, READ_PARTIAL, [
    ref,
    generationId,
  ]);
  const row = rows[0];
  return row === undefined ? null : { index: row.image_index, partialIndex: row.partial_index, bytes: row.bytes };
}
