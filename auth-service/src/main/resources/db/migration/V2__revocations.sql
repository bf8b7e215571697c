-- Revoked tokens, durable. id is the JWT's jti (or, for opaque tokens, their lookup hash).
-- Rows are pruned once the token would have expired anyway.
CREATE TABLE revoked_token (
    token_id   text PRIMARY KEY,
    kind       text        NOT NULL,
    client_id  text,
    subject    text,
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX revoked_token_expires ON revoked_token (expires_at);

-- "Not before" cut-offs: every token of the client / subject issued before not_before is revoked.
CREATE TABLE revocation_cutoff (
    kind       text        NOT NULL CHECK (kind IN ('client', 'subject')),
    key        text        NOT NULL,
    not_before timestamptz NOT NULL,
    PRIMARY KEY (kind, key)
);
