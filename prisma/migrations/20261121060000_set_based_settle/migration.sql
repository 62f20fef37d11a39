-- Hand-written: no model changes. Settles a batch in one set-based statement instead of one statement per item.
--
-- The loop of group_commit paid a statement's start-up, the rollup trigger and its two upserts for every item:
-- 0.44 ms of PostgreSQL per item in a batch of 8 (pgbench, bench/RESULTS.md). Here the batch's charges to one
-- account are one update, and its spend aggregates one upsert per (day, user, team, model, size, quality) key,
-- so a batch of one user's requests fires the rollup trigger once. Same arguments, same outcome per item.
--
-- The function always runs its statement's generic plan: left to choose, PL/pgSQL kept planning this statement
-- afresh on every call (its generic plan's estimate, made without the arrays' lengths, looked dearer), which cost
-- more than executing it.
--
-- Lock order is unchanged: the batch's accounts by id first; then the aggregate rows, which users share through
-- the shard rollup, in (day, shard, model) order, so two batches never take two of them in opposite orders.
CREATE OR REPLACE FUNCTION "imagegate_settle_generations"(
    p_ids uuid[], p_costs bigint[], p_ats timestamptz[], p_input_text_tokens integer[],
    p_input_image_tokens integer[], p_output_tokens integer[], p_image_generation_ids uuid[],
    p_image_indexes integer[], p_image_storage_keys text[], p_image_content_types text[], p_image_widths integer[],
    p_image_heights integer[], p_image_revised_prompts text[], p_time_zone text, p_no_team uuid)
RETURNS SETOF image_generations
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
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
    -- Only a hold still OPEN, and never for more than it holds: an item without one is left alone.
    hold AS (
      UPDATE holds h SET status = 'SETTLED', resolved_at = item.at
        FROM item
       WHERE h.generation_id = item.id AND h.status = 'OPEN' AND h.amount_micros >= item.cost
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
