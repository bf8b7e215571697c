-- OAuth clients (RFC 7591 metadata). Secrets are stored only as keyed hashes.
CREATE TABLE oauth_client (
    client_id                  text PRIMARY KEY,
    client_name                text        NOT NULL,
    secret_hash                text,
    token_endpoint_auth_method text        NOT NULL,
    grant_types                text[]      NOT NULL,
    redirect_uris              text[]      NOT NULL DEFAULT '{}',
    scope                      text        NOT NULL DEFAULT '',
    access_token_ttl           integer     NOT NULL CHECK (access_token_ttl >= 1),
    client_id_issued_at        timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT public_has_no_secret CHECK ((token_endpoint_auth_method = 'none') = (secret_hash IS NULL))
);

-- Token signing keys. The private key is encrypted under the key-encryption key (AES-256-GCM,
-- kid as associated data). Lifecycle: next (published, not signing) -> active -> retired
-- (published until retires_at, when its last token has expired) -> deleted.
CREATE TABLE signing_key (
    kid          text PRIMARY KEY,
    alg          text        NOT NULL CHECK (alg IN ('RS256', 'ES256')),
    status       text        NOT NULL CHECK (status IN ('next', 'active', 'retired')),
    public_jwk   text        NOT NULL,
    private_key  bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    activate_at  timestamptz,
    activated_at timestamptz,
    retired_at   timestamptz,
    retires_at   timestamptz
);

CREATE UNIQUE INDEX signing_key_one_active ON signing_key (alg) WHERE status = 'active';
CREATE UNIQUE INDEX signing_key_one_next ON signing_key (alg) WHERE status = 'next';
