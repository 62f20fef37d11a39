-- Hand-written: no model changes. Every process keeps the principals behind recently used API keys in memory, so
-- that a request does not look its key up (one round trip fewer per request). A change to what a principal is made
-- of (a key revoked or moved, a user's role or rate limit, a deletion or truncation) is announced on the channel
-- `imagegate_principals` when its transaction commits, whoever makes it (the API, the CLI or hand-written SQL);
-- every process listens and forgets what it kept. The column lists keep the per-request balance updates silent.

CREATE FUNCTION "imagegate_notify_principal_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('imagegate_principals', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER "api_keys_principal_change"
  AFTER UPDATE OF "revoked_at", "user_id", "secret_hash" OR DELETE OR TRUNCATE ON "api_keys"
  FOR EACH STATEMENT EXECUTE FUNCTION "imagegate_notify_principal_change"();

CREATE TRIGGER "users_principal_change"
  AFTER UPDATE OF "role", "rate_limit_per_minute" OR DELETE OR TRUNCATE ON "users"
  FOR EACH STATEMENT EXECUTE FUNCTION "imagegate_notify_principal_change"();
