-- Revocations of PATs and API keys were kept until the credential's expiry (ten years for an API key
-- without one), sessions' until the session's. A revoked row already fails every lookup, so these
-- records only have to outlive the caches (PATs, API keys) or the access tokens carrying the session's
-- sid (sessions, at most a day by default). Existing records are shortened accordingly; the first
-- re-seed after the start carries the shorter lifetimes into Redis.
UPDATE revoked_token SET expires_at = LEAST(expires_at, now() + interval '10 minutes')
WHERE kind IN ('pat', 'api_key');
UPDATE revoked_token SET expires_at = LEAST(expires_at, now() + interval '1 day 10 minutes')
WHERE kind = 'session';
