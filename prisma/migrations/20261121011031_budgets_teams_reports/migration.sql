-- CreateEnum
CREATE TYPE "BudgetPeriod" AS ENUM ('DAILY', 'WEEKLY', 'MONTHLY', 'TOTAL');

-- AlterTable
ALTER TABLE "holds" ADD COLUMN     "team_id" UUID;

-- AlterTable
ALTER TABLE "image_generations" ADD COLUMN     "refunded_at" TIMESTAMPTZ(3),
ADD COLUMN     "team_id" UUID;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "rate_limit_per_minute" INTEGER,
ADD COLUMN     "team_id" UUID;

-- CreateTable
CREATE TABLE "teams" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "teams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budgets" (
    "id" UUID NOT NULL,
    "user_id" UUID,
    "team_id" UUID,
    "period" "BudgetPeriod" NOT NULL,
    "limit_micros" BIGINT NOT NULL,
    "alert_thresholds" INTEGER[] DEFAULT ARRAY[80, 100]::INTEGER[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_alerts" (
    "id" UUID NOT NULL,
    "budget_id" UUID NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "threshold_percent" INTEGER NOT NULL,
    "spent_micros" BIGINT NOT NULL,
    "limit_micros" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,

    CONSTRAINT "budget_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "spend_daily" (
    "day" DATE NOT NULL,
    "user_id" UUID NOT NULL,
    "team_key" UUID NOT NULL,
    "model" "ImageModel" NOT NULL,
    "size" "ImageSize" NOT NULL,
    "quality" "ImageQuality" NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "images" INTEGER NOT NULL DEFAULT 0,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "spend_daily_pkey" PRIMARY KEY ("day","user_id","team_key","model","size","quality")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" UUID NOT NULL,
    "actor_id" UUID,
    "action" TEXT NOT NULL,
    "target_type" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "before" JSONB,
    "after" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name");

-- CreateIndex
CREATE UNIQUE INDEX "budgets_user_id_period_key" ON "budgets"("user_id", "period");

-- CreateIndex
CREATE UNIQUE INDEX "budgets_team_id_period_key" ON "budgets"("team_id", "period");

-- CreateIndex
CREATE INDEX "budget_alerts_delivered_at_next_attempt_at_idx" ON "budget_alerts"("delivered_at", "next_attempt_at");

-- CreateIndex
CREATE UNIQUE INDEX "budget_alerts_budget_id_period_start_threshold_percent_key" ON "budget_alerts"("budget_id", "period_start", "threshold_percent");

-- CreateIndex
CREATE INDEX "spend_daily_user_id_day_idx" ON "spend_daily"("user_id", "day");

-- CreateIndex
CREATE INDEX "spend_daily_team_key_day_idx" ON "spend_daily"("team_key", "day");

-- CreateIndex
CREATE INDEX "audit_log_created_at_id_idx" ON "audit_log"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "audit_log_target_type_target_id_idx" ON "audit_log"("target_type", "target_id");

-- CreateIndex
CREATE INDEX "holds_team_id_status_idx" ON "holds"("team_id", "status");

-- CreateIndex
CREATE INDEX "users_team_id_idx" ON "users"("team_id");

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_team_id_fkey" FOREIGN KEY ("team_id") REFERENCES "teams"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_alerts" ADD CONSTRAINT "budget_alerts_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written invariants.
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_one_owner" CHECK (("user_id" IS NULL) <> ("team_id" IS NULL));
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_limit_not_negative" CHECK ("limit_micros" >= 0);
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_thresholds_in_range" CHECK (1 <= ALL ("alert_thresholds") AND 1000 >= ALL ("alert_thresholds"));
-- cost_micros may be negative on a day whose refunds exceed its charges (a refund counts on the day it is made).
ALTER TABLE "spend_daily" ADD CONSTRAINT "spend_daily_counts_not_negative" CHECK ("requests" >= 0 AND "images" >= 0);
ALTER TABLE "users" ADD CONSTRAINT "users_rate_limit_positive" CHECK ("rate_limit_per_minute" IS NULL OR "rate_limit_per_minute" > 0);

-- Backfill the daily aggregates from charges made before they existed (days in UTC, the default time zone).
INSERT INTO "spend_daily" ("day", "user_id", "team_key", "model", "size", "quality", "requests", "images", "cost_micros")
SELECT (l."created_at" AT TIME ZONE 'UTC')::date, l."user_id", '00000000-0000-0000-0000-000000000000'::uuid,
       g."model", g."size", g."quality", count(*), sum(g."n"), -sum(l."amount_micros")
  FROM "ledger_entries" l JOIN "image_generations" g ON g."id" = l."generation_id"
 WHERE l."kind" = 'CHARGE'
 GROUP BY 1, 2, 4, 5, 6;
