-- The role of token-introspection-service (issue 21, least privilege): it reads what introspection and
-- caller authentication need, and writes only the last-use record of PATs and API keys. It cannot
-- read signing keys, password hashes or TOTP secrets, and cannot change anything else.
--
-- forge_introspection is NOLOGIN: the login the service connects with is a member of it, created by
-- whoever may create roles, with a password of its own (never in a migration):
--   CREATE ROLE forge_introspection_app LOGIN PASSWORD '…' IN ROLE forge_introspection;
--   -- or, for an existing login: GRANT forge_introspection TO forge_introspection_app;
-- (deploy/README.md, "PostgreSQL"). When the migrating user may not create roles (a managed database's
-- owner, a CloudNativePG app user), the role is left to the DBA and the grants are skipped with a
-- notice: create the role, then run the GRANTs below as the schema owner.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'forge_introspection') THEN
        IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
            RAISE NOTICE 'role forge_introspection does not exist and % may not create roles: '
                'create it (NOLOGIN) and run the grants of V42__introspection_role.sql', current_user;
            RETURN;
        END IF;
        BEGIN
            CREATE ROLE forge_introspection NOLOGIN;
        EXCEPTION WHEN duplicate_object THEN
            NULL; -- created meanwhile by a migration of another database of this cluster
        END;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO forge_introspection', current_schema());
    -- callers of /oauth/introspect (client_id, secret hash, scope)
    GRANT SELECT ON oauth_client TO forge_introspection;
    -- the opaque credentials it answers for
    GRANT SELECT ON personal_token, refresh_token, user_session TO forge_introspection;
    GRANT UPDATE (last_used_at, last_used_ip) ON personal_token TO forge_introspection;
    -- a session's scopes are its user's: the user's id and scopes only, never the password hash or TOTP
    GRANT SELECT (id, scopes) ON app_user TO forge_introspection;
END
$$;
