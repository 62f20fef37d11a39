-- Seeds a scratch imagegate database with a year of spend, set-based (no row-by-row inserts), for timing
-- spendReport. Never run it against a real deployment: it adds users, teams and (with ledger=1) generations and
-- ledger rows whose balances do not add up.
--
--   createdb -h 127.0.0.1 -U postgres imagegate_bench
--   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/imagegate_bench npm run migrate
--   psql postgresql://postgres@127.0.0.1:5432/imagegate_bench -v generations=1000000 -f bench/seed-spend.sql
--
-- Variables (psql -v name=value), all optional:
--   generations      how many generations to spread over the period          (default 1000000)
--   users, teams     a thousand users in twenty teams                          (defaults 1000, 20)
--   start, days      the period: days from start (UTC calendar days)           (defaults 2025-01-01, 365)
--   combos_per_user  how many (model, size, quality) combinations each user draws from: 28 is every valid one,
--                    the worst case for the aggregates; 3 is closer to real use (default 28)
--   ledger           1: insert image_generations and CHARGE ledger rows too and derive spend_daily and the
--                    running totals (spend_running) from them, as the settle path would (slower: for reports over
--                    partial days and rolling windows); 0: spend_daily only (default 0)
--
-- With ledger=1 each user has one API key id and draws its tags from a few sets that user uses (none, one or two
-- of ten project tags): spend keys grow with the tag sets a user uses, as they would with real project tags.

\set ON_ERROR_STOP on
\if :{?generations} \else \set generations 1000000 \endif
\if :{?users} \else \set users 1000 \endif
\if :{?teams} \else \set teams 20 \endif
\if :{?start} \else \set start 2025-01-01 \endif
\if :{?days} \else \set days 365 \endif
\if :{?combos_per_user} \else \set combos_per_user 28 \endif
\if :{?ledger} \else \set ledger 0 \endif
\timing on

SELECT setseed(0.42);

INSERT INTO teams (id, name)
SELECT gen_random_uuid(), 'bench-team-' || t FROM generate_series(1, :teams) t
ON CONFLICT (name) WHERE deleted_at IS NULL DO NOTHING;

INSERT INTO users (id, email, role, team_id)
SELECT gen_random_uuid(), 'bench-' || u || '@example.com', 'MEMBER',
       (SELECT id FROM teams WHERE name = 'bench-team-' || (u % :teams + 1) AND deleted_at IS NULL)
  FROM generate_series(1, :users) u
ON CONFLICT (email) DO NOTHING;

CREATE TEMP TABLE bench_users AS
SELECT (row_number() OVER (ORDER BY email) - 1)::int AS i, id, team_id FROM users WHERE email LIKE 'bench-%@example.com';
CREATE UNIQUE INDEX ON bench_users (i);

-- The valid combinations are exactly the seeded price matrix (28 rows).
CREATE TEMP TABLE bench_combos AS
SELECT (row_number() OVER (ORDER BY model, size, quality) - 1)::int AS i, id AS price_id, model, size, quality,
       per_image_micros
  FROM (SELECT DISTINCT ON (model, size, quality) * FROM prices ORDER BY model, size, quality, effective_from DESC) p;
CREATE UNIQUE INDEX ON bench_combos (i);

-- One row per generation: who, what, when, how many images.
CREATE TEMP TABLE bench_draws AS
SELECT g AS seq,
       floor(random() * :users)::int AS ui,
       random() AS combo_draw,
       (:'start'::date)::timestamp AT TIME ZONE 'UTC' + random() * make_interval(days => :days) AS at,
       1 + floor(random() * random() * 4)::int AS n
  FROM generate_series(1, :generations) g;

CREATE TEMP TABLE bench_generations AS
SELECT d.seq, d.at, u.id AS user_id, u.team_id, c.price_id, c.model, c.size, c.quality, c.per_image_micros,
       CASE WHEN c.model = 'DALL_E_3' THEN 1 ELSE d.n END AS n
  FROM bench_draws d
  JOIN bench_users u ON u.i = d.ui
  JOIN bench_combos c ON c.i = (d.ui * 7 + floor(d.combo_draw * :combos_per_user)::int) % (SELECT count(*) FROM bench_combos);
DROP TABLE bench_draws;

\if :ledger
INSERT INTO image_generations (id, user_id, status, provider, model, requested_model, size, width, height, quality,
                               n, prompt, response_format, price_id, per_image_micros, hold_micros, cost_micros,
                               team_id, created_at, completed_at, api_key_id, tags)
SELECT gen_random_uuid(), user_id, 'SUCCEEDED', 'local', model, model, size,
       split_part(substr(size::text, 6), 'X', 1)::int, split_part(substr(size::text, 6), 'X', 2)::int, quality, n,
       'bench', 'URL', price_id, per_image_micros, per_image_micros * n, per_image_micros * n, team_id, at, at,
       -- One key per user (its id derived from the user's), and one of three tag sets the user uses.
       overlay(user_id::text placing 'bbbb' from 1 for 4)::uuid,
       CASE seq % 3 WHEN 0 THEN ARRAY[]::text[]
                    WHEN 1 THEN ARRAY['project-' || get_byte(uuid_send(user_id), 14) % 10]
                    ELSE ARRAY['project-' || get_byte(uuid_send(user_id), 14) % 10,
                               'team-' || get_byte(uuid_send(user_id), 13) % 5] END
  FROM bench_generations;

-- The running totals are rebuilt set-based below: the trigger's per-statement upkeep is for the settle path's
-- small batches, not ten million rows at once.
ALTER TABLE ledger_entries DISABLE TRIGGER spend_running_add;

INSERT INTO ledger_entries (id, user_id, kind, amount_micros, balance_after_micros, generation_id, created_at)
SELECT gen_random_uuid(), user_id, 'CHARGE', -cost_micros, 0, id, completed_at
  FROM image_generations WHERE prompt = 'bench';
ALTER TABLE ledger_entries ENABLE TRIGGER spend_running_add;
SELECT spend_running_rebuild();

-- The settle path's aggregate, derived from the ledger rows just written (days in UTC).
INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
SELECT (l.created_at AT TIME ZONE 'UTC')::date, l.user_id, COALESCE(g.team_id, '00000000-0000-0000-0000-000000000000'),
       g.model, g.size, g.quality, count(*), sum(g.n), -sum(l.amount_micros)
  FROM ledger_entries l JOIN image_generations g ON g.id = l.generation_id
 WHERE g.prompt = 'bench' AND l.kind = 'CHARGE'
 GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
   SET requests = s.requests + EXCLUDED.requests, images = s.images + EXCLUDED.images,
       cost_micros = s.cost_micros + EXCLUDED.cost_micros;
\else
INSERT INTO spend_daily AS s (day, user_id, team_key, model, size, quality, requests, images, cost_micros)
SELECT (at AT TIME ZONE 'UTC')::date, user_id, COALESCE(team_id, '00000000-0000-0000-0000-000000000000'),
       model, size, quality, count(*), sum(n), sum(n * per_image_micros)
  FROM bench_generations
 GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (day, user_id, team_key, model, size, quality) DO UPDATE
   SET requests = s.requests + EXCLUDED.requests, images = s.images + EXCLUDED.images,
       cost_micros = s.cost_micros + EXCLUDED.cost_micros;
\endif

DROP TABLE bench_generations;
VACUUM ANALYZE spend_daily;
VACUUM ANALYZE ledger_entries;
VACUUM ANALYZE image_generations;
-- The rollups took one trigger update per spend_daily row: 6.4M at 10M generations left spend_monthly and
-- spend_daily_shards at ~500 and ~370 MB for ~3 MB of live rows, and a year by MODEL scanned them all (212 ms
-- instead of a few). A deployment's few updates a second are what autovacuum keeps compact; rewrite them here.
VACUUM FULL ANALYZE spend_monthly, spend_daily_shards;
VACUUM ANALYZE spend_running, spend_running_keys;
SELECT count(*) AS spend_daily_rows, sum(requests) AS requests, sum(cost_micros) AS cost_micros FROM spend_daily;
