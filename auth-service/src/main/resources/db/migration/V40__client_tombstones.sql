-- Ids of deleted clients. Start-up seeding (the gateway's client) never creates a client whose id is
-- here, so a client deleted because its secret leaked is not brought back by a restart. Registering
-- the id again through the admin API is still allowed: that is a deliberate act.
CREATE TABLE oauth_client_tombstone (
    client_id  text PRIMARY KEY,
    deleted_at timestamptz NOT NULL DEFAULT now()
);
