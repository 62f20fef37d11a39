import type { Request, Response } from "express";
import type { Db } from "../domain/db";
import { describeError, type Logger } from "../domain/logger";
import { isDatabaseUnavailable } from "../domain/database-unavailable";
import { isUuid } from "../domain/ids";
import { imageFileName, type ImageStorage } from "../storage/image-storage";
import { loggerOf } from "./request-log";

const READINESS_TIMEOUT_MS = 2_000;

export function healthz(_req: Request, res: Response): void {
  res.json({ status: "ok" });
}

/** Ready when the database answers, within a bound: a load balancer must not hang on us. */
export function readyz(db: Db, logger: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    try {
      await Promise.race([
        db.$queryRaw`SELECT 1`,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("database check timed out")), READINESS_TIMEOUT_MS).unref(),
        ),
      ]);
      res.json({ status: "ok" });
    } catch (error) {
      loggerOf(req, logger).warn({ cause: describeError(error) }, "readiness check failed");
      res.status(503).json({ status: "unavailable" });
    }
  };
}

const IMAGE_FILE = /^(\d{1,2})\.(png|jpg|webp)$/;

/**
 * Stored images, at `/images/<generation id>/<index>.<ext>`: the database says where their bytes are (a client
 * never names a file). Bytes never change once written, so clients may cache them for good.
 */
export function images(db: Db, storage: ImageStorage, logger: Logger) {
  return async (req: Request, res: Response): Promise<void> => {
    const { generationId, file } = req.params as { generationId: string; file: string };
    const index = IMAGE_FILE.exec(file)?.[1];
    let stored;
    try {
      stored =
        index === undefined || !isUuid(generationId)
          ? null
          : await db.generatedImage.findUnique({
              where: { generationId_index: { generationId, index: Number(index) } },
              select: { storageKey: true, contentType: true },
            });
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      loggerOf(req, logger).warn({ cause: describeError(error) }, "image lookup failed: database unavailable");
      res.status(503).json({ error: "unavailable" });
      return;
    }
    const image =
      stored === null || file !== imageFileName(Number(index), stored.contentType)
        ? null
        : await storage.open(stored.storageKey);
    if (image === null) {
      res.status(404).json({ error: "not found" });
      return;
    }
    res.setHeader("Content-Type", image.contentType);
    res.setHeader("Content-Length", String(image.sizeBytes));
    res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
    res.setHeader("X-Content-Type-Options", "nosniff");
    // Reading can still fail past the checks above (the file gone, no descriptor left), or the client go.
    image.sendTo(res).then(
      () => res.end(),
      (error: unknown) => {
        if (res.destroyed) return;
        loggerOf(req, logger).error({ generationId, cause: describeError(error) }, "could not read a stored image");
        if (res.headersSent) return void res.destroy();
        for (const header of ["Content-Type", "Content-Length", "Cache-Control"]) res.removeHeader(header);
        res.status(503).json({ error: "unavailable" });
      },
    );
  };
}
