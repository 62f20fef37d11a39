import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { describeError, type Logger } from "../domain/logger";
import type { GenerationFanout } from "../domain/generation/generation-fanout";
import type { GenerationUpdates, PartialImageUpdate } from "../domain/generation/generation-updates";
import {
  decodeAnnouncement,
  encodeAnnouncement,
  MAX_QUEUED_ANNOUNCEMENTS,
  PARTIAL_IMAGE_TTL_SECONDS,
} from "./announcement";
import { InOrderPerKey } from "./in-order";
import { partialFits } from "./postgres-generation-channel";

// Generations' announcements through Redis when REDIS_URL is set: PUBLISH on one channel, each process SUBSCRIBEd on
// a connection of its own. As with NOTIFY, a message carries ids only: a partial image's bytes wait a minute under a
// key of their own (SET ... EX), read only by the processes watching that generation.

export const REDIS_GENERATIONS_CHANNEL = "imagegate:generations";
const PARTIAL_KEY_PREFIX = "imagegate:generation-partial";
const COMMAND_TIMEOUT_MS = 2_000;
const CONNECT_TIMEOUT_MS = 2_000;
/** A partial image's ref: its image, its place in the series, and a random part so that a retry never collides. */
const REF = /^(\d{1,4})-(\d{1,4})-[0-9a-f]{12}$/;

const partialKey = (generationId: string, ref: string) => `${PARTIAL_KEY_PREFIX}:${generationId}:${ref}`;

export interface RedisGenerationChannel {
  updates: GenerationUpdates;
  close(): Promise<void>;
}

export function openRedisGenerationChannel(args: {
  redisUrl: string;
  fanout: GenerationFanout;
  logger: Logger;
}): RedisGenerationChannel {
  const { fanout, logger } = args;
  const options = { commandTimeout: COMMAND_TIMEOUT_MS, connectTimeout: CONNECT_TIMEOUT_MS };
  // Announcements are dropped, not queued, while Redis is away: watchers re-read their generation when it is back.
  const publisher = new Redis(args.redisUrl, { ...options, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const reader = new Redis(args.redisUrl, { ...options, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(args.redisUrl, { connectTimeout: CONNECT_TIMEOUT_MS });
  for (const [name, client] of [
    ["publisher", publisher],
    ["reader", reader],
    ["subscriber", subscriber],
  ] as const) {
    watchConnection(client, logger, name);
  }
  let lost = false;
  subscriber.on("close", () => (lost = true));
  subscriber.on("ready", () => {
    if (lost) fanout.resync();
    lost = false;
  });
  subscriber.on("message", (_channel: string, message: string) => {
    const announcement = decodeAnnouncement(message);
    if (announcement === undefined) return;
    const { generationId, ref } = announcement;
    if (ref === undefined) fanout.changed(generationId);
    else fanout.partial(generationId, () => readPartial(reader, generationId, ref));
  });
  subscriber.subscribe(REDIS_GENERATIONS_CHANNEL).catch((error: unknown) => {
    logger.warn({ cause: describeError(error) }, "Redis subscription for generation updates failed; retrying");
  });

  const inOrder = new InOrderPerKey(MAX_QUEUED_ANNOUNCEMENTS);
  const attempt = async (generationId: string, send: () => Promise<unknown>) => {
    try {
      await send();
    } catch (error) {
      logger.warn({ generationId, cause: describeError(error) }, "generation update not announced");
    }
  };
  const updates: GenerationUpdates = {
    async changed(generationId) {
      const message = encodeAnnouncement({ generationId });
      await inOrder.run(
        generationId,
        () => attempt(generationId, () => publisher.publish(REDIS_GENERATIONS_CHANNEL, message)),
        false,
      );
    },
    async partialImage(generationId, partial) {
      if (!partialFits(partial, logger, generationId)) return;
      const ref = `${partial.index}-${partial.partialIndex}-${randomBytes(6).toString("hex")}`;
      const message = encodeAnnouncement({ generationId, ref });
      const sent = await inOrder.run(
        generationId,
        () =>
          attempt(generationId, () =>
            publisher
              .multi()
              .set(partialKey(generationId, ref), partial.bytes, "EX", PARTIAL_IMAGE_TTL_SECONDS)
              .publish(REDIS_GENERATIONS_CHANNEL, message)
              .exec(),
          ),
        true,
      );
      if (!sent) logger.warn({ generationId }, "partial image not announced: earlier ones are still being sent");
    },
  };
  return {
    updates,
    async close() {
      await Promise.all(
        [publisher, reader, subscriber].map((client) => client.quit().catch(() => client.disconnect())),
      );
    },
  };
}

async function readPartial(reader: Redis, generationId: string, ref: string): Promise<PartialImageUpdate | null> {
  const place = REF.exec(ref);
  if (place === null) return null;
  const bytes = await reader.getBuffer(partialKey(generationId, ref));
  return bytes === null ? null : { index: Number(place[1]), partialIndex: Number(place[2]), bytes };
}

/** One warning when a connection is lost and one line when it is back, not one per reconnection attempt. */
function watchConnection(redis: Redis, logger: Logger, name: string): void {
  let down = false;
  redis.on("error", (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ connection: name, cause: describeError(error) }, "Redis for generation updates unavailable");
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info({ connection: name }, "Redis for generation updates is back");
  });
}
