-- Hand-written: no model changes. The open commits without waiting for its WAL flush.
--
-- A hold has to be seen, not to be durable: it is visible to every other transaction the moment it commits, with or
-- without the flush, so concurrent requests still cannot spend past a balance or a budget. What the flush would add
-- is survival of a PostgreSQL crash (not of ours, nor of a lost connection) in the moments before the WAL writer
-- flushes the commit anyway (at most 3 x wal_writer_delay, 600 ms by default). Nothing a caller is told depends on
-- it: the settle commits with the flush, and a flush writes all of the log before it, so a charged generation's hold
-- is always on disk first. A crash before that loses the pending generation and its hold together; its caller gets
-- an error and is charged nothing, as when the hold survives and is released. Measured: a flush is ~0.4 ms on this
-- machine's disk, on the path of every request and under the account's row lock (bench/RESULTS.md, session 5).
--
-- set_config(..., true) lasts to the end of the transaction: the open is its own statement outside any
-- transaction, so only its commit is affected. The body is otherwise group_commit's.
CREATE OR REPLACE FUNCTION "imagegate_open_generations"(
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
  PERFORM set_config('synchronous_commit', 'off', true);
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
