-- Hand-written: no model changes. imagegate_open_generation (migration generation_functions) restated whole, as
-- CREATE OR REPLACE must be, with one change: an idempotency key already used is recognised right after the account
-- lock, before the budgets and the credit are checked. Before, the check was the INSERT's ON CONFLICT, after them: two
-- requests with one key and credit for one, arriving together, got the first's result and INSUFFICIENT_CREDITS (the
-- second saw the first's hold), where both should get the first's result. The ON CONFLICT stays as the last word.
CREATE OR REPLACE FUNCTION "imagegate_open_generation"(
    p_id uuid, p_user_id uuid, p_provider text, p_model "ImageModel", p_size "ImageSize", p_quality "ImageQuality",
    p_style "ImageStyle", p_n integer, p_prompt text, p_response_format text, p_moderation text,
    p_idempotency_key text, p_now timestamptz, p_expires_at timestamptz,
    p_day_start date, p_day_end date, p_week_start date, p_week_end date, p_month_start date, p_month_end date)
RETURNS TABLE (outcome text, hold_micros bigint, per_image_micros bigint, team_id uuid, budgeted boolean,
               team_budgeted boolean, text_input_rate bigint, image_input_rate bigint, image_output_rate bigint,
               budget_period text, budget_scope text, budget_limit bigint, budget_remaining bigint)
LANGUAGE plpgsql AS $$
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
BEGIN
  SELECT p.id, p.per_image_micros INTO v_price_id, v_per_image
    FROM prices p
   WHERE p.model = p_model AND p.size = p_size AND p.quality = p_quality AND p.effective_from <= p_now
   ORDER BY p.effective_from DESC LIMIT 1;
  IF v_price_id IS NULL THEN
    RETURN QUERY SELECT 'NO_PRICE', NULL::bigint, NULL::bigint, NULL::uuid, false, false,
                        NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  v_hold := v_per_image * p_n;

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

  IF v_available < v_hold THEN
    RETURN QUERY SELECT 'INSUFFICIENT_CREDITS', v_hold, v_per_image, v_team, v_user_budgets OR v_team_budgets,
                        v_team_budgets, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text, NULL::text,
                        NULL::bigint, NULL::bigint;
    RETURN;
  END IF;

  INSERT INTO image_generations (id, user_id, status, provider, model, size, quality, style, n, prompt,
                                 response_format, moderation, idempotency_key, price_id, per_image_micros,
                                 hold_micros, team_id, created_at)
  VALUES (p_id, p_user_id, 'PENDING', p_provider, p_model, p_size, p_quality, p_style, p_n, p_prompt,
          p_response_format, p_moderation, p_idempotency_key, v_price_id, v_per_image, v_hold, v_team, p_now)
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
$$;
