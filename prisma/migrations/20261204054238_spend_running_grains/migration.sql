-- CreateEnum
CREATE TYPE "SpendGrain" AS ENUM ('FULL', 'OWNER', 'OWNER_MODEL', 'OWNER_TAGS');

-- DropIndex
DROP INDEX "spend_running_keys_user_id_team_key_api_key_key_model_tag_s_key";

-- AlterTable (hand-edited: the keys so far are all of the full grain)
ALTER TABLE "spend_running_keys" ADD COLUMN     "grain" "SpendGrain" NOT NULL DEFAULT 'FULL',
ALTER COLUMN "model" DROP NOT NULL,
ALTER COLUMN "tag_set" DROP NOT NULL;
ALTER TABLE "spend_running_keys" ALTER COLUMN "grain" DROP DEFAULT;

-- CreateIndex (hand-edited: NULLS NOT DISTINCT, so a grain's dropped dimensions (NULL) still make one key)
CREATE UNIQUE INDEX "spend_running_keys_grain_user_id_team_key_api_key_key_model_key" ON "spend_running_keys"("grain", "user_id", "team_key", "api_key_key", "model", "tag_set") NULLS NOT DISTINCT;

-- Hand-written: the running totals are kept per grain. A report probes two rows per key of the narrowest grain that
-- has its grouping (src/domain/reports/spend-grains.ts), so one by USER, TEAM or API_KEY probes about one key per
-- user, not one per user, model and tag set. Every grain keeps the user, so every key's writers are still serialized
-- by the user's row lock, which the statement writing CHARGE and REFUND rows already holds.

-- The one place that says which dimensions each grain keeps: a generation's model and tags as each grain's key has
-- them (tags joined by U+001F, '' for none; NULL where the grain drops the dimension).
CREATE FUNCTION "spend_grain_keys"(p_model "ImageModel", p_tags text[])
    RETURNS TABLE (grain "SpendGrain", model "ImageModel", tag_set text)
    LANGUAGE sql IMMUTABLE
AS $$
    VALUES ('FULL'::"SpendGrain", p_model, array_to_string(COALESCE(p_tags, '{}'), chr(31))),
           ('OWNER', NULL, NULL),
           ('OWNER_MODEL', p_model, NULL),
           ('OWNER_TAGS', NULL, array_to_string(COALESCE(p_tags, '{}'), chr(31)))
$$;

-- The CHARGE and REFUND entries among p_ids, once per grain, as their key's columns and their UTC hour's deltas.
CREATE FUNCTION "spend_running_keyed"(p_ids uuid[])
    RETURNS TABLE (grain "SpendGrain", user_id uuid, team_key uuid, api_key_key uuid, model "ImageModel",
                   tag_set text, hour timestamptz, requests bigint, images bigint, cost_micros bigint)
    LANGUAGE sql STABLE
AS $$
    SELECT k.grain, l.user_id, COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000'),
           COALESCE(g.api_key_id, '00000000-0000-0000-0000-000000000000'), k.model, k.tag_set,
           date_trunc('hour', l.created_at, 'UTC'), CASE WHEN l.kind = 'CHARGE' THEN 1 ELSE 0 END::int8,
           CASE WHEN l.kind = 'CHARGE' THEN g.n ELSE 0 END::int8, -l.amount_micros
      FROM ledger_entries l
      JOIN image_generations g ON g.id = l.generation_id
     CROSS JOIN LATERAL spend_grain_keys(g.model, g.tags) k
     WHERE l.id = ANY (p_ids) AND l.kind IN ('CHARGE', 'REFUND')
$$;

-- A statement's CHARGE and REFUND rows into every grain's keys and running totals: one key upsert, the deltas per key
-- and UTC hour (read once), one insert of the hours a key had no row for (starting from its totals before), one
-- update of the hours at and after each delta. Each statement has a fresh snapshot, so it sees the rows of the one
-- before. Generic plans: custom plans of these statements cost more to make than to run.
CREATE OR REPLACE FUNCTION "spend_running_add"() RETURNS trigger
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET jit = off
    SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    ids uuid[];
    key_ids integer[];
    hours timestamptz[];
    requests bigint[];
    images bigint[];
    costs bigint[];
BEGIN
    SELECT array_agg(a.id) INTO ids FROM added a WHERE a.kind IN ('CHARGE', 'REFUND') AND a.generation_id IS NOT NULL;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO "spend_running_keys" ("grain", "user_id", "team_key", "api_key_key", "model", "tag_set")
    SELECT DISTINCT x.grain, x.user_id, x.team_key, x.api_key_key, x.model, x.tag_set FROM spend_running_keyed(ids) x
    ON CONFLICT DO NOTHING;
    SELECT array_agg(d.key_id), array_agg(d.hour), array_agg(d.requests), array_agg(d.images), array_agg(d.cost_micros)
      INTO key_ids, hours, requests, images, costs
      FROM (SELECT k.id AS key_id, x.hour, sum(x.requests) AS requests, sum(x.images) AS images,
                   sum(x.cost_micros) AS cost_micros
              FROM spend_running_keyed(ids) x
              JOIN "spend_running_keys" k
                ON k.grain = x.grain AND k.user_id = x.user_id AND k.team_key = x.team_key
               AND k.api_key_key = x.api_key_key AND k.model IS NOT DISTINCT FROM x.model
               AND k.tag_set IS NOT DISTINCT FROM x.tag_set
             GROUP BY 1, 2) d;
    INSERT INTO "spend_running" ("key_id", "hour", "requests", "images", "cost_micros")
    SELECT d.key_id, d.hour, COALESCE(p.requests, 0), COALESCE(p.images, 0), COALESCE(p.cost_micros, 0)
      FROM unnest(key_ids, hours) AS d(key_id, hour)
      LEFT JOIN LATERAL (SELECT r.requests, r.images, r.cost_micros FROM "spend_running" r
                          WHERE r.key_id = d.key_id AND r.hour < d.hour ORDER BY r.hour DESC LIMIT 1) p ON true
    ON CONFLICT DO NOTHING;
    UPDATE "spend_running" r
       SET "requests" = r.requests + a.requests, "images" = r.images + a.images,
           "cost_micros" = r.cost_micros + a.cost_micros
      FROM (SELECT r2.key_id, r2.hour, sum(d.requests) AS requests, sum(d.images) AS images,
                   sum(d.cost_micros) AS cost_micros
              FROM unnest(key_ids, hours, requests, images, costs) AS d(key_id, hour, requests, images, cost_micros)
              JOIN "spend_running" r2 ON r2.key_id = d.key_id AND r2.hour >= d.hour
             GROUP BY 1, 2) a
     WHERE r.key_id = a.key_id AND r.hour = a.hour;
    RETURN NULL;
END
$$;

-- Rebuilds both tables from the whole ledger, set-based, every grain (this migration, and bench/seed-spend.sql after
-- a bulk load that ran with the trigger disabled).
CREATE OR REPLACE FUNCTION "spend_running_rebuild"() RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    TRUNCATE "spend_running", "spend_running_keys";
    CREATE TEMP TABLE spend_running_rebuild_hours ON COMMIT DROP AS
    SELECT k.grain, l.user_id, COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000') AS team_key,
           COALESCE(g.api_key_id, '00000000-0000-0000-0000-000000000000') AS api_key_key, k.model, k.tag_set,
           date_trunc('hour', l.created_at, 'UTC') AS hour, count(*) FILTER (WHERE l.kind = 'CHARGE') AS requests,
           COALESCE(sum(g.n) FILTER (WHERE l.kind = 'CHARGE'), 0) AS images, -sum(l.amount_micros) AS cost_micros
      FROM ledger_entries l
      JOIN image_generations g ON g.id = l.generation_id
     CROSS JOIN LATERAL spend_grain_keys(g.model, g.tags) k
     WHERE l.kind IN ('CHARGE', 'REFUND')
     GROUP BY 1, 2, 3, 4, 5, 6, 7;
    INSERT INTO "spend_running_keys" ("grain", "user_id", "team_key", "api_key_key", "model", "tag_set")
    SELECT DISTINCT grain, user_id, team_key, api_key_key, model, tag_set FROM spend_running_rebuild_hours;
    INSERT INTO "spend_running" ("key_id", "hour", "requests", "images", "cost_micros")
    SELECT k.id, h.hour, sum(h.requests) OVER w, sum(h.images) OVER w, sum(h.cost_micros) OVER w
      FROM spend_running_rebuild_hours h
      JOIN "spend_running_keys" k
        ON k.grain = h.grain AND k.user_id = h.user_id AND k.team_key = h.team_key AND k.api_key_key = h.api_key_key
       AND k.model IS NOT DISTINCT FROM h.model AND k.tag_set IS NOT DISTINCT FROM h.tag_set
    WINDOW w AS (PARTITION BY k.id ORDER BY h.hour);
    DROP TABLE spend_running_rebuild_hours;
END
$$;

SELECT "spend_running_rebuild"();
