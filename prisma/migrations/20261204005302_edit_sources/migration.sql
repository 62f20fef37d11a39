-- AlterTable
ALTER TABLE "image_generations" ADD COLUMN     "input_fidelity" TEXT;

-- CreateTable
CREATE TABLE "generation_sources" (
    "generation_id" UUID NOT NULL,
    "role" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "source_generation_id" UUID,
    "source_index" INTEGER,
    "sha256" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "content_type" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,

    CONSTRAINT "generation_sources_pkey" PRIMARY KEY ("generation_id","role","position")
);

-- CreateIndex
CREATE INDEX "generation_sources_source_generation_id_idx" ON "generation_sources"("source_generation_id");

-- AddForeignKey
ALTER TABLE "generation_sources" ADD CONSTRAINT "generation_sources_generation_id_fkey" FOREIGN KEY ("generation_id") REFERENCES "image_generations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generation_sources" ADD CONSTRAINT "generation_sources_source_generation_id_fkey" FOREIGN KEY ("source_generation_id") REFERENCES "image_generations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Hand-written.
ALTER TABLE "generation_sources"
  ADD CONSTRAINT "generation_sources_role_check" CHECK (role IN ('IMAGE', 'MASK')),
  ADD CONSTRAINT "generation_sources_position_check"
    CHECK (position BETWEEN 0 AND 15 AND (role = 'IMAGE' OR position = 0)),
  ADD CONSTRAINT "generation_sources_reference_check" CHECK ((source_generation_id IS NULL) = (source_index IS NULL)),
  ADD CONSTRAINT "generation_sources_sha256_check" CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  ADD CONSTRAINT "generation_sources_size_check" CHECK (size_bytes > 0 AND width > 0 AND height > 0);
ALTER TABLE "image_generations"
  ADD CONSTRAINT "image_generations_input_fidelity_check" CHECK (input_fidelity IN ('LOW', 'HIGH'));

-- An edit's hold also covers its source images: the most input image tokens they can cost (computed by the caller
-- from their dimensions) at the model's IMAGE_INPUT rate in force, rounded up. NULL tokens (a generation): nothing.
CREATE FUNCTION imagegate_image_input_hold_micros(p_model "ImageModel", p_tokens integer, p_at timestamptz)
RETURNS bigint LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN p_tokens IS NULL OR p_tokens <= 0 THEN 0::bigint ELSE
    COALESCE((SELECT (p_tokens::bigint * tp.per_million_tokens_micros + 999999) / 1000000
                FROM token_prices tp
               WHERE tp.model = p_model AND tp.kind = 'IMAGE_INPUT' AND tp.effective_from <= p_at
               ORDER BY tp.effective_from DESC
               LIMIT 1), 0) END
$$;

