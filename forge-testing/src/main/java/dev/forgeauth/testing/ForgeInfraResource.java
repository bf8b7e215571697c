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
        }
        config.put("quarkus.redis.hosts", infra.redisUrl());
        // a fresh key-encryption key per test JVM: no secret lives in the repository
        config.put("forge.kek", TEST_KEK);
        return config;
    }

    @Override
    public void stop() {
        // LocalInfra outlives single test classes; embedded servers stop with the JVM
    }
}
