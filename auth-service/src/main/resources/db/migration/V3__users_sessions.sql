-- People who log in. Emails are stored normalised (trimmed, lower case) and unique.
CREATE TABLE app_user (
    id             uuid PRIMARY KEY,
    email          text        NOT NULL UNIQUE,
    password_hash  text        NOT NULL,          -- PHC string, Argon2id
    scopes         text[]      NOT NULL,
    totp_secret    bytea,                         -- AES-GCM under the KEK, AAD = user id
    totp_enabled   boolean     NOT NULL DEFAULT false,
    totp_last_step bigint,                        -- last accepted time step: a code works once
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE backup_code (
    user_id   uuid        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    code_hash text        NOT NULL,
    used_at   timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Browser and login sessions. token_hash is the keyed hash of the df_session cookie value.
CREATE TABLE user_session (
    id           uuid PRIMARY KEY,
    token_hash   text        NOT NULL UNIQUE,
    user_id      uuid        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    amr          text        NOT NULL,
    user_agent   text,
    ip           text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX user_session_user ON user_session (user_id);

-- Refresh tokens, one row per issued token; a family is one chain of rotations.
CREATE TABLE refresh_token (
    token_hash      text PRIMARY KEY,
    family_id       uuid        NOT NULL,
    session_id      uuid REFERENCES user_session (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    client_id       text        NOT NULL,
    scope           text        NOT NULL,
    issued_at       timestamptz NOT NULL DEFAULT now(),
    family_expires_at timestamptz NOT NULL,        -- absolute lifetime of the family
    idle_expires_at timestamptz NOT NULL,          -- this token unused past it is dead
    rotated_at      timestamptz,
    revoked_at      timestamptz
);
CREATE INDEX refresh_token_family ON refresh_token (family_id);
CREATE INDEX refresh_token_session ON refresh_token (session_id);

-- Security events. detail never holds a secret.
CREATE TABLE audit_event (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    type      text        NOT NULL,
    user_id   uuid,
    client_id text,
    ip        text,
    detail    jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_event_user ON audit_event (user_id, at);
