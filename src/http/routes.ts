import type { Request, Response } from "express";
import type { Db } from "../domain/db";
import { describeError, type Logger } from "../domain/logger";
import type { ImageStorage } from "../storage/image-storage";

const READINESS_TIMEOUT_MS = 2_000;

export function healthz(_req: Request, res: Response): void {
  res.json({ status: "ok" });
}

/** Ready when the database answers, within a bound: a load balancer must not hang on us. */
export function readyz(db: Db, logger: Logger) {
  return async (_req: Request, res: Response): Promise<void> => {
    try {
      await Promise.race([
        db.$queryRaw`SELECT 1`,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("database check timed out")), READINESS_TIMEOUT_MS).unref(),
        ),
      ]);
      res.json({ status: "ok" });
    } catch (error) {
      logger.warn({ cause: describeError(error) }, "readiness check failed");
      res.status(503).json({ status: "unavailable" });
    }
  };
}

/** Stored images, by their key. Bytes never change once written, so clients may cache them for good. */
export function images(storage: ImageStorage) {
  return async (req: Request, res: Response): Promise<void> => {
    const { generationId, file } = req.params as { generationId: string; file: string };
    const image = await storage.open(`${generationId}/${file}`);
    if (image === null) {
      res.status(404).json({ error: "not found" });
      return;
    }
    res.setHeader("Content-Type", image.contentType);
    res.setHeader("Content-Length", String(image.sizeBytes));
    res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
    res.setHeader("X-Content-Type-Options", "nosniff");
    image.stream().pipe(res);
  };
}
