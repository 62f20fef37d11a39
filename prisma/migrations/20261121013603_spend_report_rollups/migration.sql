-- CreateTable
CREATE TABLE "spend_monthly" (
    "month" DATE NOT NULL,
    "user_id" UUID NOT NULL,
    "team_key" UUID NOT NULL,
    "model" "ImageModel" NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "images" INTEGER NOT NULL DEFAULT 0,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "spend_monthly_pkey" PRIMARY KEY ("month","user_id","team_key","model")
);

-- CreateTable
CREATE TABLE "spend_daily_shards" (
    "day" DATE NOT NULL,
    "shard" SMALLINT NOT NULL,
    "model" "ImageModel" NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "images" INTEGER NOT NULL DEFAULT 0,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "spend_daily_shards_pkey" PRIMARY KEY ("day","shard","model")
);

-- ---------------------------------------------------------------------------------------------------------
-- Hand-written below this line.
-- ---------------------------------------------------------------------------------------------------------

-- The rollups are functions of spend_daily: a row trigger applies every change to it (the settle and refund
-- statements' upserts, backfills, corrections) to both, in the same transaction, so they can never disagree
-- with it. The migration runs as one transaction; the lock keeps writers out between the backfill and the
-- trigger, so a charge made by a still-running server during a deploy is counted exactly once.
LOCK TABLE "spend_daily" IN SHARE ROW EXCLUSIVE MODE;

ALTER TABLE "spend_daily_shards" ADD CONSTRAINT "spend_daily_shards_shard_range" CHECK ("shard" BETWEEN 0 AND 15);

-- The user's shard: the last byte of the (random) UUID, so a user's charges always land on one shard row and
-- different users' spread over 16. Same-user charges already serialize on the user's row.
CREATE FUNCTION "spend_shard"(user_id uuid) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (get_byte(uuid_send(user_id), 15) & 15)::smallint $$;

-- Statements inline (not a helper function) so that PL/pgSQL caches their plans: this runs in every settle.
CREATE FUNCTION "spend_daily_rollup"() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    -- The settle and refund upserts change amounts, not keys: one delta on each rollup instead of two.
    same_keys boolean := TG_OP = 'UPDATE' AND NEW."day" = OLD."day" AND NEW."user_id" = OLD."user_id"
                         AND NEW."team_key" = OLD."team_key" AND NEW."model" = OLD."model";
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NOT same_keys) THEN
        INSERT INTO "spend_monthly" AS m ("month", "user_id", "team_key", "model", "requests", "images", "cost_micros")
        VALUES (date_trunc('month', OLD."day"::timestamp)::date, OLD."user_id", OLD."team_key", OLD."model",
                -OLD."requests", -OLD."images", -OLD."cost_micros")
        ON CONFLICT ("month", "user_id", "team_key", "model") DO UPDATE
           SET "requests" = m."requests" + EXCLUDED."requests", "images" = m."images" + EXCLUDED."images",
               "cost_micros" = m."cost_micros" + EXCLUDED."cost_micros";
        INSERT INTO "spend_daily_shards" AS s ("day", "shard", "model", "requests", "images", "cost_micros")
        VALUES (OLD."day", "spend_shard"(OLD."user_id"), OLD."model", -OLD."requests", -OLD."images", -OLD."cost_micros")
        ON CONFLICT ("day", "shard", "model") DO UPDATE
           SET "requests" = s."requests" + EXCLUDED."requests", "images" = s."images" + EXCLUDED."images",
               "cost_micros" = s."cost_micros" + EXCLUDED."cost_micros";
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO "spend_monthly" AS m ("month", "user_id", "team_key", "model", "requests", "images", "cost_micros")
        VALUES (date_trunc('month', NEW."day"::timestamp)::date, NEW."user_id", NEW."team_key", NEW."model",
                NEW."requests" - CASE WHEN same_keys THEN OLD."requests" ELSE 0 END,
                NEW."images" - CASE WHEN same_keys THEN OLD."images" ELSE 0 END,
                NEW."cost_micros" - CASE WHEN same_keys THEN OLD."cost_micros" ELSE 0 END)
        ON CONFLICT ("month", "user_id", "team_key", "model") DO UPDATE
           SET "requests" = m."requests" + EXCLUDED."requests", "images" = m."images" + EXCLUDED."images",
               "cost_micros" = m."cost_micros" + EXCLUDED."cost_micros";
        INSERT INTO "spend_daily_shards" AS s ("day", "shard", "model", "requests", "images", "cost_micros")
        VALUES (NEW."day", "spend_shard"(NEW."user_id"), NEW."model",
                NEW."requests" - CASE WHEN same_keys THEN OLD."requests" ELSE 0 END,
                NEW."images" - CASE WHEN same_keys THEN OLD."images" ELSE 0 END,
                NEW."cost_micros" - CASE WHEN same_keys THEN OLD."cost_micros" ELSE 0 END)
        ON CONFLICT ("day", "shard", "model") DO UPDATE
           SET "requests" = s."requests" + EXCLUDED."requests", "images" = s."images" + EXCLUDED."images",
               "cost_micros" = s."cost_micros" + EXCLUDED."cost_micros";
    END IF;
    RETURN NULL;
END
$$;

-- Row triggers do not see TRUNCATE: empty the rollups with their source.
CREATE FUNCTION "spend_daily_truncate_rollups"() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    TRUNCATE "spend_monthly", "spend_daily_shards";
    RETURN NULL;
END
$$;

INSERT INTO "spend_monthly" ("month", "user_id", "team_key", "model", "requests", "images", "cost_micros")
SELECT date_trunc('month', "day"::timestamp)::date, "user_id", "team_key", "model", sum("requests"), sum("images"), sum("cost_micros")
  FROM "spend_daily" GROUP BY 1, 2, 3, 4;

INSERT INTO "spend_daily_shards" ("day", "shard", "model", "requests", "images", "cost_micros")
SELECT "day", "spend_shard"("user_id"), "model", sum("requests"), sum("images"), sum("cost_micros")
  FROM "spend_daily" GROUP BY 1, 2, 3;

CREATE TRIGGER "spend_daily_rollup" AFTER INSERT OR UPDATE OR DELETE ON "spend_daily"
    FOR EACH ROW EXECUTE FUNCTION "spend_daily_rollup"();

CREATE TRIGGER "spend_daily_truncate_rollups" AFTER TRUNCATE ON "spend_daily"
    FOR EACH STATEMENT EXECUTE FUNCTION "spend_daily_truncate_rollups"();
