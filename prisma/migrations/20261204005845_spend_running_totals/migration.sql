-- AlterTable
ALTER TABLE "image_generations" ADD COLUMN     "api_key_id" UUID,
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "spend_running_keys" (
    "id" SERIAL NOT NULL,
    "user_id" UUID NOT NULL,
    "team_key" UUID NOT NULL,
    "api_key_key" UUID NOT NULL,
    "model" "ImageModel" NOT NULL,
    "tag_set" TEXT NOT NULL,

    CONSTRAINT "spend_running_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "spend_running" (
    "key_id" INTEGER NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "requests" BIGINT NOT NULL DEFAULT 0,
    "images" BIGINT NOT NULL DEFAULT 0,
    "cost_micros" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "spend_running_pkey" PRIMARY KEY ("key_id","hour")
);

-- CreateIndex
CREATE UNIQUE INDEX "spend_running_keys_user_id_team_key_api_key_key_model_tag_s_key" ON "spend_running_keys"("user_id", "team_key", "api_key_key", "model", "tag_set");

-- Hand-written: running totals per spend key, kept from the ledger in the same transaction as every charge and
-- refund. Every CHARGE and REFUND is written by a statement that has already updated (so locked) its user's row, and
-- every key holds its user: writers of one key are serialized by that lock, and this trigger's statements, each
-- with a fresh snapshot, see the rows of the writer before them.
CREATE FUNCTION "spend_running_add"() RETURNS trigger
    LANGUAGE plpgsql
    SET enable_seqscan = off
    SET jit = off
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM added WHERE kind IN ('CHARGE', 'REFUND') AND generation_id IS NOT NULL) THEN
        RETURN NULL;
    END IF;
    INSERT INTO "spend_running_keys" ("user_id", "team_key", "api_key_key", "model", "tag_set")
    SELECT DISTINCT l.user_id, COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000'),
           COALESCE(g.api_key_id, '00000000-0000-0000-0000-000000000000'), g.model,
           array_to_string(COALESCE(g.tags, '{}'), chr(31))
      FROM added l JOIN image_generations g ON g.id = l.generation_id
     WHERE l.kind IN ('CHARGE', 'REFUND')
    ON CONFLICT DO NOTHING;
    -- A new (key, hour) starts from the key's totals before it; the deltas are added to it and to any later hour.
    WITH delta AS (
        SELECT k.id AS key_id, date_trunc('hour', l.created_at, 'UTC') AS hour,
               count(*) FILTER (WHERE l.kind = 'CHARGE') AS requests,
               COALESCE(sum(g.n) FILTER (WHERE l.kind = 'CHARGE'), 0) AS images,
               -sum(l.amount_micros) AS cost_micros
          FROM added l
          JOIN image_generations g ON g.id = l.generation_id
          JOIN "spend_running_keys" k
            ON k.user_id = l.user_id AND k.team_key = COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000')
           AND k.api_key_key = COALESCE(g.api_key_id, '00000000-0000-0000-0000-000000000000')
           AND k.model = g.model AND k.tag_set = array_to_string(COALESCE(g.tags, '{}'), chr(31))
         WHERE l.kind IN ('CHARGE', 'REFUND')
         GROUP BY 1, 2)
    INSERT INTO "spend_running" ("key_id", "hour", "requests", "images", "cost_micros")
    SELECT d.key_id, d.hour, COALESCE(p.requests, 0), COALESCE(p.images, 0), COALESCE(p.cost_micros, 0)
      FROM delta d
      LEFT JOIN LATERAL (SELECT r.requests, r.images, r.cost_micros FROM "spend_running" r
                          WHERE r.key_id = d.key_id AND r.hour < d.hour ORDER BY r.hour DESC LIMIT 1) p ON true
    ON CONFLICT DO NOTHING;
    WITH delta AS (
        SELECT k.id AS key_id, date_trunc('hour', l.created_at, 'UTC') AS hour,
               count(*) FILTER (WHERE l.kind = 'CHARGE') AS requests,
               COALESCE(sum(g.n) FILTER (WHERE l.kind = 'CHARGE'), 0) AS images,
               -sum(l.amount_micros) AS cost_micros
          FROM added l
          JOIN image_generations g ON g.id = l.generation_id
          JOIN "spend_running_keys" k
            ON k.user_id = l.user_id AND k.team_key = COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000')
           AND k.api_key_key = COALESCE(g.api_key_id, '00000000-0000-0000-0000-000000000000')
           AND k.model = g.model AND k.tag_set = array_to_string(COALESCE(g.tags, '{}'), chr(31))
         WHERE l.kind IN ('CHARGE', 'REFUND')
         GROUP BY 1, 2)
    UPDATE "spend_running" r
       SET "requests" = r.requests + a.requests, "images" = r.images + a.images,
           "cost_micros" = r.cost_micros + a.cost_micros
      FROM (SELECT r2.key_id, r2.hour, sum(d.requests) AS requests, sum(d.images) AS images,
                   sum(d.cost_micros) AS cost_micros
              FROM delta d JOIN "spend_running" r2 ON r2.key_id = d.key_id AND r2.hour >= d.hour
             GROUP BY 1, 2) a
     WHERE r.key_id = a.key_id AND r.hour = a.hour;
    RETURN NULL;
END
$$;

CREATE TRIGGER "spend_running_add" AFTER INSERT ON "ledger_entries"
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION "spend_running_add"();

-- Rebuilds both tables from the ledger, set-based (this migration, and bench/seed-spend.sql after a bulk load that
-- ran with the trigger disabled).
CREATE FUNCTION "spend_running_rebuild"() RETURNS void
    LANGUAGE plpgsql
AS $$
BEGIN
    TRUNCATE "spend_running", "spend_running_keys";
    INSERT INTO "spend_running_keys" ("user_id", "team_key", "api_key_key", "model", "tag_set")
    SELECT DISTINCT l.user_id, COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000'),
           COALESCE(g.api_key_id, '00000000-0000-0000-0000-000000000000'), g.model,
           array_to_string(COALESCE(g.tags, '{}'), chr(31))
      FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
     WHERE l.kind IN ('CHARGE', 'REFUND');
    INSERT INTO "spend_running" ("key_id", "hour", "requests", "images", "cost_micros")
    SELECT key_id, hour, sum(requests) OVER w, sum(images) OVER w, sum(cost_micros) OVER w
      FROM (SELECT k.id AS key_id, date_trunc('hour', l.created_at, 'UTC') AS hour,
             count(*) FILTER (WHERE l.kind = 'CHARGE') AS requests,
             COALESCE(sum(g.n) FILTER (WHERE l.kind = 'CHARGE'), 0) AS images,
             -sum(l.amount_micros) AS cost_micros
        FROM ledger_entries l
        JOIN image_generations g ON g.id = l.generation_id
        JOIN "spend_running_keys" k
          ON k.user_id = l.user_id AND k.team_key = COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000')
         AND k.api_key_key = COALESCE(g.api_key_id, '00000000-0000-0000-0000-000000000000')
         AND k.model = g.model AND k.tag_set = array_to_string(COALESCE(g.tags, '{}'), chr(31))
       WHERE l.kind IN ('CHARGE', 'REFUND')
       GROUP BY 1, 2) hourly
    WINDOW w AS (PARTITION BY key_id ORDER BY hour);
END
$$;

SELECT "spend_running_rebuild"();

-- imagegate_open_generations gains two more trailing parameters (DEFAULT NULL), after the session keys': each item's
-- API key and tags (a JSON array of strings), written on the generation for spend by API_KEY and TAG.
DROP FUNCTION "imagegate_open_generations"(uuid[], uuid[], text[], "ImageModel"[], "ImageModel"[], "ImageSize"[],
    integer[], integer[], "ImageQuality"[], "ImageStyle"[], integer[], text[], text[], text[], text[], integer[], text[],
    text[], timestamptz[], timestamptz[], date[], date[], date[], date[], date[], date[], uuid[]);
CREATE OR REPLACE FUNCTION public.imagegate_open_generations(p_ids uuid[], p_user_ids uuid[], p_providers text[], p_models "ImageModel"[], p_requested_models "ImageModel"[], p_sizes "ImageSize"[], p_widths integer[], p_heights integer[], p_qualities "ImageQuality"[], p_styles "ImageStyle"[], p_ns integer[], p_prompts text[], p_response_formats text[], p_moderations text[], p_output_formats text[], p_output_compressions integer[], p_backgrounds text[], p_idempotency_keys text[], p_nows timestamp with time zone[], p_expires_ats timestamp with time zone[], p_day_starts date[], p_day_ends date[], p_week_starts date[], p_week_ends date[], p_month_starts date[], p_month_ends date[], p_session_key_ids uuid[] DEFAULT NULL, p_api_key_ids uuid[] DEFAULT NULL, p_tags jsonb[] DEFAULT NULL)
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
               p.per_image_micros * r.n + imagegate_prompt_hold_micros(r.model, r.prompt, r.requested_at) AS hold,
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
          p_month_ends[i], p_session_key_ids[i]) o;
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
