-- AlterTable
ALTER TABLE "budget_alerts" ADD COLUMN     "claimed_until" TIMESTAMPTZ(3);
