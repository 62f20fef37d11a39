-- Hand-written: no model changes. The open and the settle reach every row by its key, whatever the statistics.
--
-- Both functions run generic plans, which each connection makes at its first call and keeps: on a new database,
-- when every table is a page or two and a scan of the whole table costs less than an index probe per item. The
-- settle then found its batch's holds through the status index (holds_status_expires_at_idx, status = 'OPEN', then a
-- hash join on generation_id), and the open read users by sequential scan; the plans stayed when the tables grew.
-- Each settle so read every OPEN entry of the status index, and each settled hold leaves one there until VACUUM:
-- 7,000 entries and their heap tuples per settle after 15 s of the benchmark, and PostgreSQL's CPU per request grew
-- with the table (bench/RESULTS.md, session 6).
--
-- The settle now compares the hold's status as text, which no index serves, and both functions plan without
-- sequential scans (enable_seqscan = off while they run, imagegate_open_generation's item loop included: a last
-- resort the planner still takes where no index fits), so the only plan left is the one by key: one unique-index
-- probe per item, whatever the size of the tables when the plan was made. test/db/hot-path-plans.test.ts checks it.
-- A disabled scan still taken (budgets, small, has no index for the open's OR) costs 10^10 in the planner's
-- arithmetic, which crosses JIT's thresholds: the plan would be compiled at every call (0.8 s each, measured), so
-- the functions also run without JIT, which statements of a few rows never gain from.

CREATE OR REPLACE FUNCTION "imagegate_settle_generations"(
    p_ids uuid[], p_costs bigint[], p_ats timestamptz[], p_input_text_tokens integer[],
    p_input_image_tokens integer[], p_output_tokens integer[], p_image_generation_ids uuid[],
    p_image_indexes integer[], p_image_storage_keys text[], p_image_content_types text[], p_image_widths integer[],
    p_image_heights integer[], p_image_revised_prompts text[], p_time_zone text, p_no_team uuid)
RETURNS SETOF image_generations
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off AS $$
BEGIN
  IF cardinality(p_ids) > 1 THEN
    PERFORM 1 FROM users u
     WHERE u.id IN (SELECT h.user_id FROM holds h WHERE h.generation_id = ANY (p_ids))
     ORDER BY u.id FOR UPDATE;
  END IF;
  RETURN QUERY
    WITH item AS (
      SELECT *
        FROM unnest(p_ids, p_costs, p_ats, p_input_text_tokens, p_input_image_tokens, p_output_tokens)
             WITH ORDINALITY AS item(id, cost, at, input_text_tokens, input_image_tokens, output_tokens, i)),
    -- Only a hold still OPEN, and never for more than it holds: an item without one is left alone. The status is
    -- compared as text, which no index serves: the hold is found by its generation.
    hold AS (
      UPDATE holds h SET status = 'SETTLED', resolved_at = item.at
        FROM item
       WHERE h.generation_id = item.id AND h.status::text = 'OPEN' AND h.amount_micros >= item.cost
      RETURNING h.user_id, h.generation_id, h.amount_micros, item.cost, item.at, item.i),
    account AS (
      UPDATE users u
         SET balance_micros = u.balance_micros - charged.cost, reserved_micros = u.reserved_micros - charged.held
        FROM (SELECT user_id, sum(cost)::bigint AS cost, sum(amount_micros)::bigint AS held
                FROM hold GROUP BY user_id) charged
       WHERE u.id = charged.user_id
      RETURNING u.id, u.balance_micros + charged.cost AS balance_before),
    -- One CHARGE per item, its balance the account's after the charges before it in time.
    charge AS (
      INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
      SELECT gen_random_uuid(), hold.user_id, 'CHARGE', -hold.cost,
             account.balance_before - sum(hold.cost) OVER (PARTITION BY hold.user_id ORDER BY hold.at, hold.i),
             hold.generation_id, hold.at
        FROM hold JOIN account ON account.id = hold.user_id
      RETURNING generation_id),
    generation AS (
      UPDATE image_generations g
         SET status = 'SUCCEEDED', cost_micros = item.cost, completed_at = item.at,
             input_text_tokens = item.input_text_tokens, input_image_tokens = item.input_image_tokens,
             output_tokens = item.output_tokens
        FROM item
       WHERE g.id = item.id AND item.id IN (SELECT generation_id FROM charge)
      RETURNING g.*),
    stored AS (
      INSERT INTO generated_images (generation_id, index, storage_key, content_type, width, height, revised_prompt)
      SELECT image.generation_id, image.index, image.storage_key, image.content_type, image.width, image.height,
             image.revised_prompt
        FROM unnest(p_image_generation_ids, p_image_indexes, p_image_storage_keys, p_image_content_types,
                    p_image_widths, p_image_heights, p_image_revised_prompts)
               AS image(generation_id, index, storage_key, content_type, width, height, revised_prompt)
       WHERE image.generation_id IN (SELECT generation.id FROM generation)),
    daily AS (
      INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
      SELECT (g.completed_at AT TIME ZONE p_time_zone)::date, g.user_id, COALESCE(g.team_id, p_no_team), g.model,
             g.size, g.quality, count(*), sum(g.n), sum(g.cost_micros)
        FROM generation g
       GROUP BY 1, 2, 3, 4, 5, 6
       ORDER BY 1, spend_shard(g.user_id), 4, 2, 3, 5, 6
      ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
        SET requests = s.requests + EXCLUDED.requests, images = s.images + EXCLUDED.images,
            cost_micros = s.cost_micros + EXCLUDED.cost_micros)
    SELECT generation.* FROM generation;
END
$$;

ALTER FUNCTION "imagegate_open_generations"(
    uuid[], uuid[], text[], "ImageModel"[], "ImageSize"[], "ImageQuality"[], "ImageStyle"[], integer[], text[], text[],
    text[], text[], timestamptz[], timestamptz[], date[], date[], date[], date[], date[], date[])
  SET enable_seqscan = off
  SET jit = off;
