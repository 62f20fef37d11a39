-- CreateTable
CREATE TABLE "generation_partial_images" (
    "id" BIGSERIAL NOT NULL,
    "generation_id" UUID NOT NULL,
    "image_index" INTEGER NOT NULL,
    "partial_index" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "generation_partial_images_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "generation_partial_images_created_at_idx" ON "generation_partial_images"("created_at");

-- Written once, read within milliseconds by the processes told of each row, deleted after a minute: no WAL, and a
-- crash may empty it (a watcher then misses a partial image, never the final state, which is in image_generations).
ALTER TABLE "generation_partial_images" SET UNLOGGED;
-- A partial image is stored as the provider sent it: at most 32 MiB (src/live/announcement.ts).
ALTER TABLE "generation_partial_images" ADD CONSTRAINT "generation_partial_images_bytes_bounded"
  CHECK (octet_length("bytes") <= 33554432 AND "image_index" >= 0 AND "partial_index" >= 0);
