-- users(search:) finds any part of an email through a trigram index (pg_trgm ships with PostgreSQL and is a trusted
-- extension: the database's owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- DropIndex
DROP INDEX "teams_name_key";

-- AlterTable
ALTER TABLE "teams" ADD COLUMN     "allowed_models" "ImageModel"[] DEFAULT ARRAY[]::"ImageModel"[],
ADD COLUMN     "deleted_at" TIMESTAMPTZ(3),
ADD COLUMN     "models_restricted" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "allowed_models" "ImageModel"[] DEFAULT ARRAY[]::"ImageModel"[],
ADD COLUMN     "models_restricted" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE UNIQUE INDEX "teams_name_key" ON "teams"("name") WHERE (deleted_at IS NULL);

-- CreateIndex
CREATE INDEX "users_role_email_idx" ON "users"("role", "email");

-- CreateIndex
CREATE INDEX "users_email_trgm_idx" ON "users" USING GIN ("email" gin_trgm_ops);

-- Hand-written. An allowlist applies only when its flag is set; a cleared one keeps no stale list behind it.
ALTER TABLE "users" ADD CONSTRAINT "users_allowed_models_only_when_restricted"
  CHECK ("models_restricted" OR cardinality("allowed_models") = 0);
ALTER TABLE "teams" ADD CONSTRAINT "teams_allowed_models_only_when_restricted"
  CHECK ("models_restricted" OR cardinality("allowed_models") = 0);

-- A principal now carries whether its user is active and the user's and its team's allowlists (see migration
-- principal_notifications): a change to any of them, or a move to another team, makes every process forget the
-- principals it kept. Balance updates stay silent.
DROP TRIGGER "users_principal_change" ON "users";
CREATE TRIGGER "users_principal_change"
  AFTER UPDATE OF "role", "rate_limit_per_minute", "active", "team_id", "models_restricted", "allowed_models"
    OR DELETE OR TRUNCATE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "imagegate_notify_principal_change"();

CREATE TRIGGER "teams_principal_change"
  AFTER UPDATE OF "models_restricted", "allowed_models" OR DELETE OR TRUNCATE ON "teams"
  FOR EACH STATEMENT EXECUTE FUNCTION "imagegate_notify_principal_change"();
