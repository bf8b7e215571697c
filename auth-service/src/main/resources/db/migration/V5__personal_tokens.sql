-- Long-lived credentials of users: personal access tokens (dfpat_) and API keys (sk_live_).
-- Stored only as keyed hashes; the raw value is shown once, in the answer that creates it.
CREATE TABLE personal_token (
    id           uuid PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('pat', 'api_key')),
    user_id      uuid        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    token_hash   text        NOT NULL UNIQUE,
    scopes       text[]      NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,               -- PATs always expire (at most 90 days); API keys may not
    last_used_at timestamptz,
    last_used_ip text,
    revoked_at   timestamptz,
    rotated_to   uuid                        -- the API key that replaced this one (grace period running)
);
CREATE INDEX personal_token_user ON personal_token (user_id, kind);
