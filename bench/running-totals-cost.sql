-- What the running totals' trigger (spend_running_add) adds to each CHARGE or REFUND statement: the same single-row
-- ledger inserts timed with the trigger disabled (the baseline) and enabled, in one transaction that is rolled back.
-- Run it on a seeded scratch database (bench/seed-spend.sql with -v ledger=1), never on a real deployment:
--
--   psql postgresql://postgres@127.0.0.1:5432/imagegate_bench -v statements=2000 -f bench/running-totals-cost.sql
--
-- Each statement is one REFUND of 1 micro on a different generation, at now(): the first pass puts each key's row
-- for this minute in place (a charge's usual case is a key that already has one), the next two are timed.
-- `-v grains=full` keeps the FULL grain alone for the run (spend_grain_keys replaced inside the rolled-back
-- transaction): the trigger's cost before the coarser grains, to compare in one sitting.

\set ON_ERROR_STOP on
\if :{?statements} \else \set statements 2000 \endif
\if :{?grains} \else \set grains all \endif
BEGIN;
SELECT :'grains' = 'full' AS full_grain_only \gset
\if :full_grain_only
CREATE OR REPLACE FUNCTION spend_grain_keys(p_user uuid, p_team uuid, p_api_key uuid, p_model "ImageModel",
                                            p_tags text[])
 RETURNS TABLE(grain "SpendGrain", user_key uuid, team_key uuid, api_key_key uuid, shard smallint, model "ImageModel",
               tag_set text) LANGUAGE sql IMMUTABLE
AS $$ VALUES ('FULL'::"SpendGrain", p_user, COALESCE(p_team, '00000000-0000-0000-0000-000000000000'),
              COALESCE(p_api_key, '00000000-0000-0000-0000-000000000000'), spend_shard(p_user), p_model,
              array_to_string(COALESCE(p_tags, '{}'), chr(31))) $$;
\endif
SELECT set_config('bench.statements', :'statements', true);
DO $$
DECLARE
    v_n int := current_setting('bench.statements')::int;
    v_gens uuid[];
    v_users uuid[];
    started timestamptz;
    without_ms float8;
    with_ms float8;
BEGIN
    SELECT array_agg(id), array_agg(user_id) INTO v_gens, v_users
      FROM (SELECT id, user_id FROM image_generations TABLESAMPLE SYSTEM (1) REPEATABLE (42) LIMIT v_n) s;
    v_n := cardinality(v_gens);
    FOR pass IN 1..3 LOOP
        IF pass = 2 THEN
            ALTER TABLE ledger_entries DISABLE TRIGGER spend_running_add;
        ELSIF pass = 3 THEN
            ALTER TABLE ledger_entries ENABLE TRIGGER spend_running_add;
        END IF;
        started := clock_timestamp();
        FOR i IN 1..v_n LOOP
            INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
            VALUES (gen_random_uuid(), v_users[i], 'REFUND', 1, 0, v_gens[i], now());
        END LOOP;
        IF pass = 2 THEN
            without_ms := extract(epoch FROM clock_timestamp() - started) * 1000;
        ELSIF pass = 3 THEN
            with_ms := extract(epoch FROM clock_timestamp() - started) * 1000;
        END IF;
    END LOOP;
    RAISE NOTICE 'statements %: without the trigger % ms (% ms each), with it % ms (% ms each): +% ms a statement, %x',
        v_n, round(without_ms::numeric, 1), round((without_ms / v_n)::numeric, 4), round(with_ms::numeric, 1),
        round((with_ms / v_n)::numeric, 4), round(((with_ms - without_ms) / v_n)::numeric, 4),
        round((with_ms / without_ms)::numeric, 2);
END
$$;
ROLLBACK;
