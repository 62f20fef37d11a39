-- An edit's hold also covers its source images: the opens gain one more trailing parameter, each item's input image
-- tokens at most (computed by the caller from the sources' dimensions), held at the model's IMAGE_INPUT rate
-- (imagegate_image_input_hold_micros; NULL for a generation: nothing more held).
DROP FUNCTION imagegate_open_generations(uuid[], uuid[], text[], "ImageModel"[], "ImageModel"[], "ImageSize"[], integer[], integer[], "ImageQuality"[], "ImageStyle"[], integer[], text[], text[], text[], text[], integer[], text[], text[], timestamp with time zone[], timestamp with time zone[], date[], date[], date[], date[], date[], date[], uuid[], uuid[], jsonb[]);
DROP FUNCTION imagegate_open_generation(uuid, uuid, text, "ImageModel", "ImageModel", "ImageSize", integer, integer, "ImageQuality", "ImageStyle", integer, text, text, text, text, integer, text, text, timestamp with time zone, timestamp with time zone, date, date, date, date, date, date, uuid);

CREATE OR REPLACE FUNCTION public.imagegate_open_generation(p_id uuid, p_user_id uuid, p_provider text, p_model "ImageModel", p_requested_model "ImageModel", p_size "ImageSize", p_width integer, p_height integer, p_quality "ImageQuality", p_style "ImageStyle", p_n integer, p_prompt text, p_response_format text, p_moderation text, p_output_format text, p_output_compression integer, p_background text, p_idempotency_key text, p_now timestamp with time zone, p_expires_at timestamp with time zone, p_day_start date, p_day_end date, p_week_start date, p_week_end date, p_month_start date, p_month_end date, p_session_key_id uuid DEFAULT NULL::uuid, p_image_input_tokens integer DEFAULT NULL::integer)
 RETURNS TABLE(outcome text, hold_micros bigint, per_image_micros bigint, team_id uuid, budgeted boolean, team_budgeted boolean, text_input_rate bigint, image_input_rate bigint, image_output_rate bigint, budget_period text, budget_scope text, budget_limit bigint, budget_remaining bigint)
 LANGUAGE plpgsql
AS $function$
#variable_conflict use_column
DECLARE
  v_price_id uuid;
  v_per_image bigint;
  v_hold bigint;
  v_team uuid;
  v_available bigint;
  v_user_budgets boolean;
  v_team_budgets boolean;
  v_budget record;
  v_key_limit bigint;
  v_key_used bigint;
BEGIN
  SELECT p.price_id, p.per_image_micros INTO v_price_id, v_per_image
    FROM imagegate_price_in_force(p_model, p_size, p_quality, p_width, p_height, p_now) p;
  IF v_price_id IS NULL THEN
    RETURN QUERY SELECT 'NO_PRICE', NULL::bigint, NULL::bigint, NULL::uuid, false, false,
                        NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  v_hold := v_per_image * p_n + imagegate_prompt_hold_micros(p_model, p_prompt, p_now)
            + imagegate_image_input_hold_micros(p_model, p_image_input_tokens, p_now);

  SELECT u.team_id, u.balance_micros - u.reserved_micros,
         EXISTS (SELECT 1 FROM budgets x WHERE x.user_id = u.id),
         u.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM budgets x WHERE x.team_id = u.team_id)
    INTO v_team, v_available, v_user_budgets, v_team_budgets
    FROM users u WHERE u.id = p_user_id
     FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'NO_USER', v_hold, v_per_image, NULL::uuid, false, false,
                        NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;

  -- A key already used answers with its first request's outcome, before any budget or credit check: the first
  -- request's hold must not make its own retry fail for want of credit. Under the account lock, exact. (Two IFs:
  -- without a key, only the first runs, a simple expression that needs no executor.)
  IF p_idempotency_key IS NOT NULL THEN
    IF EXISTS (SELECT 1 FROM image_generations g
                WHERE g.user_id = p_user_id AND g.idempotency_key = p_idempotency_key) THEN
      RETURN QUERY SELECT 'DUPLICATE', v_hold, v_per_image, v_team, false, false,
                          NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::bigint;
      RETURN;
    END IF;
  END IF;

  IF v_team_budgets THEN
    PERFORM 1 FROM teams t WHERE t.id = v_team FOR UPDATE;
  END IF;
  IF v_user_budgets OR v_team_budgets THEN
    FOR v_budget IN
      SELECT * FROM imagegate_budget_usages(
        CASE WHEN v_user_budgets THEN p_user_id END, CASE WHEN v_team_budgets THEN v_team END,
        p_day_start, p_day_end, p_week_start, p_week_end, p_month_start, p_month_end)
    LOOP
      IF v_budget.spent_micros + v_budget.held_micros + v_hold > v_budget.limit_micros THEN
        RETURN QUERY SELECT 'BUDGET_EXCEEDED', v_hold, v_per_image, v_team, true, v_team_budgets,
                            NULL::bigint, NULL::bigint, NULL::bigint, v_budget.period::text,
                            CASE WHEN v_budget.user_id IS NULL THEN 'TEAM' ELSE 'USER' END,
                            v_budget.limit_micros,
                            GREATEST(v_budget.limit_micros - v_budget.spent_micros - v_budget.held_micros, 0);
        RETURN;
      END IF;
    END LOOP;
  END IF;

  -- A session key's total spend limit, like a TOTAL budget of the key's own, under the same user lock (every
  -- request of a key is its user's): what its generations hold (PENDING) or were charged (SUCCEEDED), plus this hold.
  IF p_session_key_id IS NOT NULL THEN
    SELECT k.spend_limit_micros,
           COALESCE(SUM(CASE g.status WHEN 'SUCCEEDED' THEN g.cost_micros WHEN 'FAILED' THEN 0
                                      ELSE g.hold_micros END), 0)
      INTO v_key_limit, v_key_used
      FROM api_keys k LEFT JOIN image_generations g ON g.session_key_id = k.id
     WHERE k.id = p_session_key_id
     GROUP BY k.spend_limit_micros;
    IF v_key_used + v_hold > v_key_limit THEN
      RETURN QUERY SELECT 'BUDGET_EXCEEDED', v_hold, v_per_image, v_team, v_user_budgets OR v_team_budgets,
                          v_team_budgets, NULL::bigint, NULL::bigint, NULL::bigint, 'TOTAL', 'SESSION_KEY',
                          v_key_limit, GREATEST(v_key_limit - v_key_used, 0);
      RETURN;
    END IF;
  END IF;

  IF v_available < v_hold THEN
    RETURN QUERY SELECT 'INSUFFICIENT_CREDITS', v_hold, v_per_image, v_team, v_user_budgets OR v_team_budgets,
                        v_team_budgets, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text,
                        NULL::bigint, NULL::bigint;
    RETURN;
  END IF;

  INSERT INTO image_generations (id, user_id, status, provider, model, requested_model, size, width, height, quality,
                                 style, n, prompt, response_format, moderation, output_format, output_compression,
                                 background, idempotency_key, price_id, per_image_micros, hold_micros, team_id,
                                 created_at, session_key_id)
  VALUES (p_id, p_user_id, 'PENDING', p_provider, p_model, p_requested_model, p_size, p_width, p_height, p_quality,
          p_style, p_n, p_prompt, p_response_format, p_moderation, p_output_format, p_output_compression,
          p_background, p_idempotency_key, v_price_id, v_per_image, v_hold, v_team, p_now, p_session_key_id)
  ON CONFLICT (user_id, idempotency_key) DO NOTHING;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'DUPLICATE', v_hold, v_per_image, v_team, false, false,
                        NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;

  UPDATE users SET reserved_micros = reserved_micros + v_hold WHERE id = p_user_id;
  INSERT INTO holds (id, user_id, team_id, generation_id, amount_micros, status, expires_at)
  VALUES (gen_random_uuid(), p_user_id, v_team, p_id, v_hold, 'OPEN', p_expires_at);

  RETURN QUERY
    SELECT 'OPENED', v_hold, v_per_image, v_team, v_user_budgets OR v_team_budgets, v_team_budgets,
           MAX(r.rate) FILTER (WHERE r.kind = 'TEXT_INPUT'),
           MAX(r.rate) FILTER (WHERE r.kind = 'IMAGE_INPUT'),
           MAX(r.rate) FILTER (WHERE r.kind = 'IMAGE_OUTPUT'),
           NULL::text, NULL::text, NULL::bigint, NULL::bigint
      FROM (SELECT DISTINCT ON (tp.kind) tp.kind, tp.per_million_tokens_micros AS rate
              FROM token_prices tp
             WHERE tp.model = p_model AND tp.effective_from <= p_now
             ORDER BY tp.kind, tp.effective_from DESC) r;
END
$function$;

CREATE OR REPLACE FUNCTION public.imagegate_open_generations(p_ids uuid[], p_user_ids uuid[], p_providers text[], p_models "ImageModel"[], p_requested_models "ImageModel"[], p_sizes "ImageSize"[], p_widths integer[], p_heights integer[], p_qualities "ImageQuality"[], p_styles "ImageStyle"[], p_ns integer[], p_prompts text[], p_response_formats text[], p_moderations text[], p_output_formats text[], p_output_compressions integer[], p_backgrounds text[], p_idempotency_keys text[], p_nows timestamp with time zone[], p_expires_ats timestamp with time zone[], p_day_starts date[], p_day_ends date[], p_week_starts date[], p_week_ends date[], p_month_starts date[], p_month_ends date[], p_session_key_ids uuid[] DEFAULT NULL::uuid[], p_api_key_ids uuid[] DEFAULT NULL::uuid[], p_tags jsonb[] DEFAULT NULL::jsonb[], p_image_input_tokens integer[] DEFAULT NULL::integer[])
 RETURNS TABLE(item integer, outcome text, hold_micros bigint, per_image_micros bigint, team_id uuid, budgeted boolean, team_budgeted boolean, text_input_rate bigint, image_input_rate bigint, image_output_rate bigint, budget_period text, budget_scope text, budget_limit bigint, budget_remaining bigint)
 LANGUAGE plpgsql
 SET plan_cache_mode TO 'force_generic_plan'
 SET enable_seqscan TO 'off'
 SET jit TO 'off'
AS $function$
#variable_conflict use_column
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  IF cardinality(p_ids) > 1 THEN -- alone, the item takes its locks in that order itself
    PERFORM 1 FROM users u WHERE u.id = ANY (p_user_ids) ORDER BY u.id FOR UPDATE;
    PERFORM 1 FROM teams t
     WHERE t.id IN (SELECT u.team_id FROM users u WHERE u.id = ANY (p_user_ids))
       AND EXISTS (SELECT 1 FROM budgets b WHERE b.team_id = t.id)
     ORDER BY t.id FOR UPDATE;

    RETURN QUERY
      WITH request AS (
        SELECT r.*, p.price_id, p.per_image_micros AS per_image,
               p.per_image_micros * r.n + imagegate_prompt_hold_micros(r.model, r.prompt, r.requested_at)
                 + imagegate_image_input_hold_micros(r.model, p_image_input_tokens[r.ord::integer], r.requested_at)
                 AS hold,
               u.id IS NOT NULL AS known, u.team_id AS team, u.balance_micros - u.reserved_micros AS available
          FROM unnest(p_ids, p_user_ids, p_providers, p_models, p_requested_models, p_sizes, p_widths, p_heights,
                      p_qualities, p_styles, p_ns, p_prompts, p_response_formats, p_moderations, p_output_formats,
                      p_output_compressions, p_backgrounds, p_idempotency_keys, p_nows, p_expires_ats, p_api_key_ids,
                      p_tags)
                 WITH ORDINALITY AS r(id, user_id, provider, model, requested_model, size, width, height, quality,
                                      style, n, prompt, response_format, moderation, output_format,
                                      output_compression, background, idempotency_key, requested_at, expires_at,
                                      api_key_id, tag_list, ord)
          LEFT JOIN LATERAL imagegate_price_in_force(r.model, r.size, r.quality, r.width, r.height, r.requested_at) p
            ON true
          LEFT JOIN users u ON u.id = r.user_id),
      opening AS (
        SELECT request.*, price_id IS NOT NULL AND known AS opens,
               SUM(hold) FILTER (WHERE price_id IS NOT NULL AND known)
                 OVER (PARTITION BY user_id ORDER BY ord) AS held_so_far
          FROM request),
      simple AS (
        SELECT bool_and(idempotency_key IS NULL AND (NOT opens OR held_so_far <= available))
               AND NOT EXISTS (SELECT 1 FROM budgets b
                                WHERE b.user_id = ANY (p_user_ids)
                                   OR b.team_id IN (SELECT o.team FROM opening o WHERE o.team IS NOT NULL))
               AND COALESCE(cardinality(array_remove(p_session_key_ids, NULL)), 0) = 0 AS yes
          FROM opening),
      opened AS (
        SELECT opening.* FROM opening, simple WHERE simple.yes AND opening.opens),
      generation AS (
        INSERT INTO image_generations (id, user_id, status, provider, model, requested_model, size, width, height,
                                       quality, style, n, prompt, response_format, moderation, output_format,
                                       output_compression, background, idempotency_key, price_id, per_image_micros,
                                       hold_micros, team_id, created_at, api_key_id, tags)
        SELECT id, user_id, 'PENDING', provider, model, requested_model, size, width, height, quality, style, n,
               prompt, response_format, moderation, output_format, output_compression, background, NULL, price_id,
               per_image, hold, team, requested_at, api_key_id,
               ARRAY(SELECT jsonb_array_elements_text(COALESCE(tag_list, '[]'::jsonb)))
          FROM opened),
      account AS (
        UPDATE users SET reserved_micros = users.reserved_micros + reserved.total
          FROM (SELECT user_id, SUM(hold)::bigint AS total FROM opened GROUP BY user_id) reserved
         WHERE users.id = reserved.user_id),
      held AS (
        INSERT INTO holds (id, user_id, team_id, generation_id, amount_micros, status, expires_at)
        SELECT gen_random_uuid(), user_id, team, id, hold, 'OPEN', expires_at FROM opened)
      SELECT o.ord::integer,
             CASE WHEN o.price_id IS NULL THEN 'NO_PRICE' WHEN NOT o.known THEN 'NO_USER' ELSE 'OPENED' END,
             CASE WHEN o.price_id IS NULL THEN NULL ELSE o.hold END,
             CASE WHEN o.price_id IS NULL THEN NULL ELSE o.per_image END,
             CASE WHEN o.opens THEN o.team END, false, false,
             rates.text_input, rates.image_input, rates.image_output,
             NULL::text, NULL::text, NULL::bigint, NULL::bigint
        FROM opening o
        CROSS JOIN simple
        LEFT JOIN LATERAL (
          SELECT MAX(r.rate) FILTER (WHERE r.kind = 'TEXT_INPUT') AS text_input,
                 MAX(r.rate) FILTER (WHERE r.kind = 'IMAGE_INPUT') AS image_input,
                 MAX(r.rate) FILTER (WHERE r.kind = 'IMAGE_OUTPUT') AS image_output
            FROM (SELECT DISTINCT ON (tp.kind) tp.kind, tp.per_million_tokens_micros AS rate
                    FROM token_prices tp
                   WHERE tp.model = o.model AND tp.effective_from <= o.requested_at
                   ORDER BY tp.kind, tp.effective_from DESC) r) rates ON o.opens
       WHERE simple.yes
       ORDER BY o.ord;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  FOR i IN 1 .. cardinality(p_ids) LOOP
    RETURN QUERY
      SELECT i, o.*
        FROM imagegate_open_generation(
          p_ids[i], p_user_ids[i], p_providers[i], p_models[i], p_requested_models[i], p_sizes[i], p_widths[i],
          p_heights[i], p_qualities[i], p_styles[i], p_ns[i], p_prompts[i], p_response_formats[i], p_moderations[i],
          p_output_formats[i], p_output_compressions[i], p_backgrounds[i], p_idempotency_keys[i], p_nows[i],
          p_expires_ats[i], p_day_starts[i], p_day_ends[i], p_week_starts[i], p_week_ends[i], p_month_starts[i],
          p_month_ends[i], p_session_key_ids[i], p_image_input_tokens[i]) o;
  END LOOP;
  -- Items opened one by one (imagegate_open_generation) get their API key and tags here, before the transaction ends.
  IF p_api_key_ids IS NOT NULL OR p_tags IS NOT NULL THEN
    UPDATE image_generations g
       SET api_key_id = x.api_key_id, tags = ARRAY(SELECT jsonb_array_elements_text(COALESCE(x.tag_list, '[]'::jsonb)))
      FROM unnest(p_ids, p_api_key_ids, p_tags) AS x(id, api_key_id, tag_list)
     WHERE g.id = x.id AND (x.api_key_id IS NOT NULL OR x.tag_list IS NOT NULL);
  END IF;
END
$function$;
