-- CreateEnum
CREATE TYPE "Role" AS ENUM ('MEMBER', 'FINANCE', 'ADMIN');

-- CreateEnum
CREATE TYPE "ImageModel" AS ENUM ('DALL_E_2', 'DALL_E_3', 'GPT_IMAGE_1', 'GPT_IMAGE_1_MINI', 'STABLE_DIFFUSION_XL');

-- CreateEnum
CREATE TYPE "ImageSize" AS ENUM ('SIZE_256X256', 'SIZE_512X512', 'SIZE_1024X1024', 'SIZE_1792X1024', 'SIZE_1024X1792', 'SIZE_1536X1024', 'SIZE_1024X1536');

-- CreateEnum
CREATE TYPE "ImageQuality" AS ENUM ('STANDARD', 'HD', 'LOW', 'MEDIUM', 'HIGH');

-- CreateEnum
CREATE TYPE "ImageStyle" AS ENUM ('VIVID', 'NATURAL');

-- CreateEnum
CREATE TYPE "GenerationStatus" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED');

-- CreateEnum
CREATE TYPE "LedgerEntryKind" AS ENUM ('GRANT', 'CHARGE', 'REFUND', 'ADJUSTMENT');

-- CreateEnum
CREATE TYPE "HoldStatus" AS ENUM ('OPEN', 'SETTLED', 'RELEASED');

-- CreateEnum
CREATE TYPE "TokenKind" AS ENUM ('TEXT_INPUT', 'IMAGE_INPUT', 'IMAGE_OUTPUT');

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "role" "Role" NOT NULL DEFAULT 'MEMBER',
    "balance_micros" BIGINT NOT NULL DEFAULT 0,
    "reserved_micros" BIGINT NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "prices" (
    "id" UUID NOT NULL,
    "model" "ImageModel" NOT NULL,
    "size" "ImageSize" NOT NULL,
    "quality" "ImageQuality" NOT NULL,
    "per_image_micros" BIGINT NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_by_id" UUID,

    CONSTRAINT "prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "token_prices" (
    "id" UUID NOT NULL,
    "model" "ImageModel" NOT NULL,
    "kind" "TokenKind" NOT NULL,
    "per_million_tokens_micros" BIGINT NOT NULL,
    "effective_from" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "token_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "image_generations" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "status" "GenerationStatus" NOT NULL DEFAULT 'PENDING',
    "provider" TEXT NOT NULL,
    "model" "ImageModel" NOT NULL,
    "size" "ImageSize" NOT NULL,
    "quality" "ImageQuality" NOT NULL,
    "style" "ImageStyle",
    "n" INTEGER NOT NULL,
    "prompt" TEXT NOT NULL,
    "response_format" TEXT NOT NULL,
    "moderation" TEXT,
    "idempotency_key" TEXT,
    "price_id" UUID NOT NULL,
    "per_image_micros" BIGINT NOT NULL,
    "hold_micros" BIGINT NOT NULL,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,
    "input_text_tokens" INTEGER,
    "input_image_tokens" INTEGER,
    "output_tokens" INTEGER,
    "error_code" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "image_generations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "generated_images" (
    "generation_id" UUID NOT NULL,
    "index" INTEGER NOT NULL,
    "storage_key" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "revised_prompt" TEXT,

    CONSTRAINT "generated_images_pkey" PRIMARY KEY ("generation_id","index")
);

-- CreateTable
CREATE TABLE "holds" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "generation_id" UUID NOT NULL,
    "amount_micros" BIGINT NOT NULL,
    "status" "HoldStatus" NOT NULL DEFAULT 'OPEN',
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "holds_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ledger_entries" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "kind" "LedgerEntryKind" NOT NULL,
    "amount_micros" BIGINT NOT NULL,
    "balance_after_micros" BIGINT NOT NULL,
    "reason" TEXT,
    "generation_id" UUID,
    "actor_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ledger_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

-- CreateIndex
CREATE INDEX "api_keys_user_id_idx" ON "api_keys"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "prices_model_size_quality_effective_from_key" ON "prices"("model", "size", "quality", "effective_from");

-- CreateIndex
CREATE UNIQUE INDEX "token_prices_model_kind_effective_from_key" ON "token_prices"("model", "kind", "effective_from");

-- CreateIndex
CREATE INDEX "image_generations_user_id_created_at_id_idx" ON "image_generations"("user_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "image_generations_created_at_id_idx" ON "image_generations"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "image_generations_user_id_idempotency_key_key" ON "image_generations"("user_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "holds_generation_id_key" ON "holds"("generation_id");

-- CreateIndex
CREATE INDEX "holds_user_id_status_idx" ON "holds"("user_id", "status");

-- CreateIndex
CREATE INDEX "holds_status_expires_at_idx" ON "holds"("status", "expires_at");

-- CreateIndex
CREATE INDEX "ledger_entries_user_id_created_at_id_idx" ON "ledger_entries"("user_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "ledger_entries_generation_id_idx" ON "ledger_entries"("generation_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "image_generations" ADD CONSTRAINT "image_generations_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "image_generations" ADD CONSTRAINT "image_generations_price_id_fkey" FOREIGN KEY ("price_id") REFERENCES "prices"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "generated_images" ADD CONSTRAINT "generated_images_generation_id_fkey" FOREIGN KEY ("generation_id") REFERENCES "image_generations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "holds" ADD CONSTRAINT "holds_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "holds" ADD CONSTRAINT "holds_generation_id_fkey" FOREIGN KEY ("generation_id") REFERENCES "image_generations"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ledger_entries" ADD CONSTRAINT "ledger_entries_generation_id_fkey" FOREIGN KEY ("generation_id") REFERENCES "image_generations"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------------------
-- Hand-written below this line. Prisma does not model CHECK constraints or data, so the drift check
-- (check-migrations) does not see them; keep generated DDL above and invariants and seeds here.
-- ---------------------------------------------------------------------------------------------------------

-- Credit can never be over-reserved: available = balance - reserved is never negative.
ALTER TABLE "users" ADD CONSTRAINT "users_reserved_micros_nonnegative" CHECK ("reserved_micros" >= 0);
ALTER TABLE "users" ADD CONSTRAINT "users_reserved_within_balance" CHECK ("balance_micros" >= "reserved_micros");

ALTER TABLE "holds" ADD CONSTRAINT "holds_amount_micros_nonnegative" CHECK ("amount_micros" >= 0);

ALTER TABLE "image_generations" ADD CONSTRAINT "image_generations_n_range" CHECK ("n" BETWEEN 1 AND 10);

ALTER TABLE "prices" ADD CONSTRAINT "prices_per_image_micros_positive" CHECK ("per_image_micros" > 0);

ALTER TABLE "token_prices" ADD CONSTRAINT "token_prices_per_million_tokens_micros_nonnegative"
    CHECK ("per_million_tokens_micros" >= 0);

-- Seed: the list prices of API.md in integer micro-dollars (0.040 USD = 40000), in force from the start.
INSERT INTO "prices" ("id", "model", "size", "quality", "per_image_micros", "effective_from") VALUES
    (gen_random_uuid(), 'DALL_E_3', 'SIZE_1024X1024', 'STANDARD', 40000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_3', 'SIZE_1792X1024', 'STANDARD', 80000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_3', 'SIZE_1024X1792', 'STANDARD', 80000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_3', 'SIZE_1024X1024', 'HD', 80000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_3', 'SIZE_1792X1024', 'HD', 120000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_3', 'SIZE_1024X1792', 'HD', 120000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_2', 'SIZE_1024X1024', 'STANDARD', 20000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_2', 'SIZE_512X512', 'STANDARD', 18000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'DALL_E_2', 'SIZE_256X256', 'STANDARD', 16000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1024X1024', 'LOW', 11000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1024X1024', 'MEDIUM', 42000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1024X1024', 'HIGH', 167000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1536X1024', 'LOW', 16000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1536X1024', 'MEDIUM', 63000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1536X1024', 'HIGH', 250000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1024X1536', 'LOW', 16000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1024X1536', 'MEDIUM', 63000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'SIZE_1024X1536', 'HIGH', 250000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1024X1024', 'LOW', 5000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1024X1024', 'MEDIUM', 11000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1024X1024', 'HIGH', 36000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1536X1024', 'LOW', 6000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1536X1024', 'MEDIUM', 15000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1536X1024', 'HIGH', 52000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1024X1536', 'LOW', 6000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1024X1536', 'MEDIUM', 15000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'SIZE_1024X1536', 'HIGH', 52000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'STABLE_DIFFUSION_XL', 'SIZE_1024X1024', 'STANDARD', 6000, '1970-01-01T00:00:00Z');

-- Seed: token prices of the GPT image models, micro-dollars per million tokens (5 USD/M = 5000000).
INSERT INTO "token_prices" ("id", "model", "kind", "per_million_tokens_micros", "effective_from") VALUES
    (gen_random_uuid(), 'GPT_IMAGE_1', 'TEXT_INPUT', 5000000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'IMAGE_INPUT', 10000000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1', 'IMAGE_OUTPUT', 40000000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'TEXT_INPUT', 2000000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'IMAGE_INPUT', 2500000, '1970-01-01T00:00:00Z'),
    (gen_random_uuid(), 'GPT_IMAGE_1_MINI', 'IMAGE_OUTPUT', 8000000, '1970-01-01T00:00:00Z');
