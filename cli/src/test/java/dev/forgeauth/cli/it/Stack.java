package dev.forgeauth.cli.it;

import dev.forgeauth.testing.ServiceProcess;

import dev.forgeauth.testing.LocalInfra;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import redis.embedded.RedisServer;

/**
 * The four packaged services as processes, as a user meets them: auth-service, token-introspection,
 * echo upstream and, in front, the gateway, whose URL is the issuer and the only one the CLI is given.
 * PostgreSQL from {@link LocalInfra} (a database of its own), a Redis of the test's own (so that other
 * test runs on the machine share no rate-limit counters or revocation feed with this one).
 */
public final class Stack implements AutoCloseable {

    static final String DB = "forge_cli_it";
    static final String ADMIN_ID = "cli-it-admin";

    public final String adminSecret;
    public final ServiceProcess auth;
    public final ServiceProcess introspection;
    public final ServiceProcess echo;
    public final ServiceProcess gateway;
    public final LocalInfra infra;
    private final RedisServer redis;

    public String gatewayUrl() {
        return gateway.baseUrl();
    }

    public String jdbcUrl() {
        return infra.jdbcUrl(DB);
    }

    public static Stack start() throws Exception {
        long t0 = System.nanoTime();
        LocalInfra infra = LocalInfra.get();
        infra.recreateDatabase(DB);
        int redisPort = LocalInfra.freePort();
        RedisServer redis = RedisServer.newRedisServer().port(redisPort).bind("127.0.0.1")
                .setting("save \"\"").setting("appendonly no").build();
        redis.start();
        try {
            return start(infra, redis, redisPort, t0);
        } catch (Exception | AssertionError e) {
            ServiceProcess.stopAllRunning();
            redis.stop();
            throw e;
        }
    }

    private static Stack start(LocalInfra infra, RedisServer redis, int redisPort, long t0) throws Exception {

        int gatewayPort = LocalInfra.freePort();
        String issuer = "http://127.0.0.1:" + gatewayPort;
        String adminSecret = "cli-it-admin-secret-" + random(12);

        Map<String, String> common = new HashMap<>();
        common.put("FORGE_PG_HOST", infra.pgHost);
        common.put("FORGE_PG_PORT", String.valueOf(infra.pgPort));
        common.put("FORGE_PG_USER", infra.pgUser);
        common.put("FORGE_PG_PASSWORD", infra.pgPassword);
        common.put("FORGE_PG_DATABASE", DB);
        common.put("FORGE_REDIS_HOST", "127.0.0.1");
        common.put("FORGE_REDIS_PORT", String.valueOf(redisPort));
        common.put("FORGE_KEK", random(32));
        common.put("FORGE_ISSUER", issuer);
        common.put("FORGE_TRUSTED_PROXIES", "127.0.0.1,[::1]");
        common.put("FORGE_SHUTDOWN_DELAY", "0s");

        ServiceProcess echo = ServiceProcess.builder("echo", ServiceProcess.jar("forge.cli.it.echo.jar"))
                .portEnv("FORGE_ECHO_PORT").env("FORGE_SHUTDOWN_DELAY", "0s").launch();
        ServiceProcess auth = ServiceProcess.builder("auth", ServiceProcess.jar("forge.cli.it.auth.jar"))
                .portEnv("FORGE_AUTH_PORT").env(common)
                .env("FORGE_BOOTSTRAP_CLIENT_ID", ADMIN_ID)
                .env("FORGE_BOOTSTRAP_CLIENT_SECRET", adminSecret)
                .env("FORGE_KEYS_PUBLISH_DELAY", "0s")
                .env("FORGE_SESSION_SECURE_COOKIE", "false")
                // a poll a second (the default 5 s would make each device login test 5 s longer)
                .env("FORGE_DEVICE_INTERVAL", "1")
                // login access tokens shorter than the CLI's refresh margin: every command refreshes first
                .env("FORGE_LOGIN_ACCESS_TOKEN_TTL", "30")
                .launch();
        auth.awaitReady(Duration.ofSeconds(120)); // it runs the migrations the introspection service reads

        Map<String, String> afterAuth = new HashMap<>(common);
        afterAuth.put("FORGE_JWKS_URL", auth.baseUrl() + "/oauth/jwks");
        ServiceProcess introspection = ServiceProcess.builder("introspection",
                ServiceProcess.jar("forge.cli.it.introspection.jar")).portEnv("FORGE_INTROSPECTION_PORT")
                .env(afterAuth).launch();
        ServiceProcess gateway = ServiceProcess.builder("gateway", ServiceProcess.jar("forge.cli.it.gateway.jar"))
                .portEnv("FORGE_GATEWAY_PORT").port(gatewayPort).env(afterAuth)
                .env("FORGE_INTROSPECTION_URL", introspection.baseUrl())
                .env("FORGE_AUTH_URL", auth.baseUrl())
                .env("FORGE_ECHO_URL", echo.baseUrl())
                .env("FORGE_GATEWAY_CLIENT_ID", ADMIN_ID)
                .env("FORGE_GATEWAY_CLIENT_SECRET", adminSecret)
                .launch();
        echo.awaitReady(Duration.ofSeconds(120));
        introspection.awaitReady(Duration.ofSeconds(120));
        gateway.awaitReady(Duration.ofSeconds(120));
        System.out.printf("[cli-it] stack ready in %d ms: gateway %s%n", (System.nanoTime() - t0) / 1_000_000,
                gateway.baseUrl());
        return new Stack(infra, redis, auth, introspection, echo, gateway, adminSecret);
    }

    private Stack(LocalInfra infra, RedisServer redis, ServiceProcess auth, ServiceProcess introspection,
            ServiceProcess echo, ServiceProcess gateway, String adminSecret) {
        this.infra = infra;
        this.redis = redis;
        this.auth = auth;
        this.introspection = introspection;
        this.echo = echo;
        this.gateway = gateway;
        this.adminSecret = adminSecret;
    }

    @Override
    public void close() throws IOException {
        try {
            ServiceProcess.stopAllRunning();
        } finally {
            redis.stop();
        }
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
