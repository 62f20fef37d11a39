-- Hand-written: no model changes. Group commit for the generation flow's two writes.
--
-- Under load a process sends the opens (and, apart, the settles) that arrive while its previous one is in flight as
-- one call: one statement, one transaction, one commit for all of them. Measured with pgbench on the two statements:
-- 0.87 ms of PostgreSQL CPU per request one at a time, 0.48 ms sixteen to a transaction (bench/RESULTS.md). Every
-- item keeps its own outcome; a batch that fails as a whole is retried item by item by the caller.
--
-- Locks are taken in one global order before any item is processed: the batch's accounts by id, then its budgeted
-- teams by id. A single open or a budgeted settle takes an account, then its team; so no two callers can wait on
-- each other in a cycle. Settles also update rollup rows that users share; they take those in key order.

CREATE FUNCTION "imagegate_open_generations"(
    p_ids uuid[], p_user_ids uuid[], p_providers text[], p_models "ImageModel"[], p_sizes "ImageSize"[],
    p_qualities "ImageQuality"[], p_styles "ImageStyle"[], p_ns integer[], p_prompts text[], p_response_formats text[],
    p_moderations text[], p_idempotency_keys text[], p_nows timestamptz[], p_expires_ats timestamptz[],
    p_day_starts date[], p_day_ends date[], p_week_starts date[], p_week_ends date[], p_month_starts date[],
    p_month_ends date[])
RETURNS TABLE (item integer, outcome text, hold_micros bigint, per_image_micros bigint, team_id uuid, budgeted boolean,
               team_budgeted boolean, text_input_rate bigint, image_input_rate bigint, image_output_rate bigint,
               budget_period text, budget_scope text, budget_limit bigint, budget_remaining bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
  IF cardinality(p_ids) > 1 THEN -- alone, the item takes its locks in that order itself
    PERFORM 1 FROM users u WHERE u.id = ANY (p_user_ids) ORDER BY u.id FOR UPDATE;
    PERFORM 1 FROM teams t
     WHERE t.id IN (SELECT u.team_id FROM users u WHERE u.id = ANY (p_user_ids))
       AND EXISTS (SELECT 1 FROM budgets b WHERE b.team_id = t.id)
     ORDER BY t.id FOR UPDATE;
  END IF;
  FOR i IN 1 .. cardinality(p_ids) LOOP
    RETURN QUERY
      SELECT i, o.*
        FROM imagegate_open_generation(
          p_ids[i], p_user_ids[i], p_providers[i], p_models[i], p_sizes[i], p_qualities[i], p_styles[i], p_ns[i],
          p_prompts[i], p_response_formats[i], p_moderations[i], p_idempotency_keys[i], p_nows[i], p_expires_ats[i],
          p_day_starts[i], p_day_ends[i], p_week_starts[i], p_week_ends[i], p_month_starts[i], p_month_ends[i]) o;
  END LOOP;
END
$$;

-- Settles generations: per item, the hold SETTLED (only if still OPEN, and never for more than it holds), the
-- balance charged and the reservation freed, the CHARGE ledger row, the images, the SUCCEEDED status and the day's
-- spend aggregate. Returns the generations settled; one whose hold was no longer open is left alone and absent.
-- The images of every item come as parallel arrays, each image naming its generation.
CREATE FUNCTION "imagegate_settle_generations"(
    p_ids uuid[], p_costs bigint[], p_ats timestamptz[], p_input_text_tokens integer[],
    p_input_image_tokens integer[], p_output_tokens integer[], p_image_generation_ids uuid[],
    p_image_indexes integer[], p_image_storage_keys text[], p_image_content_types text[], p_image_widths integer[],
    p_image_heights integer[], p_image_revised_prompts text[], p_time_zone text, p_no_team uuid)
RETURNS SETOF image_generations
LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  v_order integer[] := ARRAY[1];
BEGIN
  IF cardinality(p_ids) > 1 THEN
    PERFORM 1 FROM users u
     WHERE u.id IN (SELECT h.user_id FROM holds h WHERE h.generation_id = ANY (p_ids))
     ORDER BY u.id FOR UPDATE;
    -- Items in the order of the rollup rows their charge updates (spend_daily_shards: day, shard, model), which
    -- users share: two batches then never take two of those rows in opposite orders.
    SELECT array_agg(item.i ORDER BY (p_ats[item.i] AT TIME ZONE p_time_zone)::date, spend_shard(g.user_id), g.model,
                     item.i)
      INTO v_order
      FROM unnest(p_ids) WITH ORDINALITY AS item(id, i)
      LEFT JOIN image_generations g ON g.id = item.id;
  END IF;
  FOREACH i IN ARRAY v_order LOOP
    RETURN QUERY
      WITH hold AS (
        UPDATE holds SET status = 'SETTLED', resolved_at = p_ats[i]
         WHERE generation_id = p_ids[i] AND status = 'OPEN' AND amount_micros >= p_costs[i]
         RETURNING user_id, amount_micros),
      account AS (
        UPDATE users SET balance_micros = balance_micros - p_costs[i],
                         reserved_micros = reserved_micros - hold.amount_micros
          FROM hold WHERE users.id = hold.user_id
         RETURNING users.id, users.balance_micros),
      charge AS (
        INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
        SELECT gen_random_uuid(), account.id, 'CHARGE', -p_costs[i], account.balance_micros, p_ids[i], p_ats[i]
          FROM account
        RETURNING id),
      generation AS (
        UPDATE image_generations
           SET status = 'SUCCEEDED', cost_micros = p_costs[i], completed_at = p_ats[i],
               input_text_tokens = p_input_text_tokens[i], input_image_tokens = p_input_image_tokens[i],
               output_tokens = p_output_tokens[i]
         WHERE id = p_ids[i] AND EXISTS (SELECT 1 FROM charge)
        RETURNING *),
      stored AS (
        INSERT INTO generated_images (generation_id, index, storage_key, content_type, width, height, revised_prompt)
        SELECT generation.id, image.index, image.storage_key, image.content_type, image.width, image.height,
               image.revised_prompt
          FROM generation,
               unnest(p_image_generation_ids, p_image_indexes, p_image_storage_keys, p_image_content_types,
                      p_image_widths, p_image_heights, p_image_revised_prompts)
                 AS image(generation_id, index, storage_key, content_type, width, height, revised_prompt)
         WHERE image.generation_id = generation.id),
      daily AS (
        INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
        SELECT (p_ats[i] AT TIME ZONE p_time_zone)::date, generation.user_id,
               COALESCE(generation.team_id, p_no_team), generation.model, generation.size, generation.quality,
               1, generation.n, p_costs[i]
          FROM generation
        ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
          SET requests = s.requests + 1, images = s.images + EXCLUDED.images,
              cost_micros = s.cost_micros + EXCLUDED.cost_micros)
      SELECT generation.* FROM generation;
  END LOOP;
END
$$;
