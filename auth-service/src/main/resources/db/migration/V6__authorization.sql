-- Authorization codes (RFC 6749 §4.1): single use, 60 s, bound to client, redirect URI, PKCE challenge.
-- grant_session is the session the tokens of this code belong to: a second use of the code ends it,
-- which revokes every token issued from the first use (RFC 6749 §4.1.2).
CREATE TABLE authorization_code (
    code_hash      text PRIMARY KEY,
    client_id      text        NOT NULL,
    user_id        uuid        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    redirect_uri   text        NOT NULL,
    scope          text        NOT NULL,
    code_challenge text,
    nonce          text,
    auth_time      timestamptz NOT NULL,
    amr            text        NOT NULL,
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz,
    grant_session  uuid
);

-- Remembered consent: a user approved these scopes for this client.
CREATE TABLE consent (
    user_id    uuid        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    client_id  text        NOT NULL,
    scopes     text[]      NOT NULL,
    granted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, client_id)
);

-- Device authorization (RFC 8628).
CREATE TABLE device_code (
    device_hash  text PRIMARY KEY,
    user_code    text        NOT NULL UNIQUE,
    client_id    text        NOT NULL,
    scope        text        NOT NULL,
    status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'denied', 'used')),
    user_id      uuid REFERENCES app_user (id) ON DELETE CASCADE,
    auth_time    timestamptz,
    interval_s   integer     NOT NULL DEFAULT 5,
    last_poll_at timestamptz,
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
