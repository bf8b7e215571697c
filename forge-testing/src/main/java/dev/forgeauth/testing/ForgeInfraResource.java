package dev.forgeauth.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Quarkus test resource: points the service under test at PostgreSQL and Redis from {@link LocalInfra}
 * (real ones on 127.0.0.1, embedded when they do not answer). Each module passes its own
 * {@code database} init argument so that modules migrating in parallel never share a schema.
 */
public class ForgeInfraResource implements QuarkusTestResourceLifecycleManager {

    /** Shared by every test resource of one JVM, so services under test can read each other's keys. */
    public static final String TEST_KEK = java.util.Base64.getEncoder()
            .encodeToString(randomKey());

    private String database = "forge_test";
    private boolean datasource = true;
    private String migrations;
    private String loginRole;
    private String memberOf;
    private boolean kek = true;

    /** The password of a {@code login-role} made by a test (local servers trust 127.0.0.1 anyway). */
    public static final String TEST_ROLE_PASSWORD = "test-role-password-not-for-production";

    private static byte[] randomKey() {
        byte[] k = new byte[32];
        new java.security.SecureRandom().nextBytes(k);
        return k;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
        datasource = Boolean.parseBoolean(initArgs.getOrDefault("datasource", "true"));
        migrations = initArgs.get("migrations");
        // a restricted login for the service under test: member of member-of (a NOLOGIN role a migration
        // made and granted), instead of the owning superuser
        loginRole = initArgs.get("login-role");
        memberOf = initArgs.get("member-of");
        // kek=false: the service gets the secret-hashing key alone (forge.secret-hash-key), no KEK
        kek = Boolean.parseBoolean(initArgs.getOrDefault("kek", "true"));
    }

    @Override
    public Map<String, String> start() {
        LocalInfra infra = LocalInfra.get();
        Map<String, String> config = new HashMap<>();
        if (datasource) {
            infra.ensureDatabase(database);
            if (migrations != null) {
                // a service that reads the auth-service's schema without owning it: lay the schema
                // down fresh, from the auth-service's own migration files
                org.flywaydb.core.Flyway flyway = org.flywaydb.core.Flyway.configure()
                        .dataSource(infra.jdbcUrl(database), infra.pgUser, infra.pgPassword)
                        .locations(migrations).cleanDisabled(false).load();
                flyway.clean();
                flyway.migrate();
            }
            config.put("quarkus.datasource.jdbc.url", infra.jdbcUrl(database));
            config.put("quarkus.datasource.reactive.url", infra.reactiveUrl(database));
            config.put("quarkus.datasource.username", infra.pgUser);
            config.put("quarkus.datasource.password", infra.pgPassword);
            if (loginRole != null) {
                createLogin(infra);
                config.put("quarkus.datasource.username", loginRole);
                config.put("quarkus.datasource.password", TEST_ROLE_PASSWORD);
            }
        }
        config.put("quarkus.redis.hosts", infra.redisUrl());
        // a fresh key-encryption key per test JVM: no secret lives in the repository
        if (kek) {
            config.put("forge.kek", TEST_KEK);
        } else {
            config.put("forge.secret-hash-key", secretHashKey(TEST_KEK));
        }
        return config;
    }

    /**
     * The secret-hashing key as deploy/README.md tells operators to derive it from the KEK:
     * HMAC-SHA-256(KEK, "forge/secret-hash/v1" || 0x01), base64. Written out here rather than taken from
     * forge-core, so a test using it also checks that the documented derivation is the one the services use.
     */
    public static String secretHashKey(String base64Kek) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(base64Kek), "HmacSHA256"));
            mac.update("forge/secret-hash/v1".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            mac.update((byte) 1);
            return java.util.Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void createLogin(LocalInfra infra) {
        if (!loginRole.matches("[a-z_][a-z0-9_]*") || memberOf == null || !memberOf.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("login-role and member-of must be plain role names");
        }
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(infra.jdbcUrl(database), infra.pgUser,
                infra.pgPassword); java.sql.Statement st = c.createStatement()) {
            st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '" + loginRole + "') THEN "
                    + "CREATE ROLE " + loginRole + " LOGIN; END IF; "
                    + "EXCEPTION WHEN duplicate_object THEN NULL; END $$");
            st.execute("ALTER ROLE " + loginRole + " LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD '"
                    + TEST_ROLE_PASSWORD + "'");
            st.execute("GRANT " + memberOf + " TO " + loginRole);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot create the test login " + loginRole + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        // LocalInfra outlives single test classes; embedded servers stop with the JVM
    }
}
