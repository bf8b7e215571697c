package dev.forgeauth.e2e;

import static dev.forgeauth.e2e.support.ForgeApi.accessToken;
import static dev.forgeauth.e2e.support.ForgeApi.active;
import static dev.forgeauth.e2e.support.ForgeApi.revoke;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.forgeauth.e2e.support.ForgeApi;
import dev.forgeauth.e2e.support.ForgeApi.Credentials;
import dev.forgeauth.e2e.support.RestartableRedis;
import dev.forgeauth.testing.ServiceProcess;
import dev.forgeauth.testing.LocalInfra;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Revocation across processes: one auth-service and two token-introspection-service instances (the
 * packaged applications) on one PostgreSQL database and one Redis of the test's own.
 * <ol>
 * <li>A token revoked through the auth-service is inactive on both introspection instances within 1 s.</li>
 * <li>A Redis restart (empty: no persistence) in the middle loses no revocation: while Redis is down the
 * instances keep answering from their in-process view and the auth-service still accepts revocations
 * (into PostgreSQL); once Redis is back, the auth-service re-seeds it, the instances resubscribe and
 * reload, and an instance started afterwards loads everything from Redis.</li>
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RevocationPropagationIT {

    static final String DB = "forge_e2e";
    static final Duration PROPAGATION_LIMIT = Duration.ofSeconds(1);
    static final Duration RECOVERY_LIMIT = Duration.ofSeconds(15);
    /** Channels of the revocation feed, client changes and key changes (diagnostics only). */
    static final String[] CHANNELS = {"forge:revocations", "forge:clients", "forge:keys"};
    static final Duration OUTAGE = Duration.ofSeconds(5);
    static final Credentials ADMIN = new Credentials("e2e-admin", "e2e-admin-secret-" + random(16));

    static RestartableRedis redis;
    static ServiceProcess auth;
    static ServiceProcess introA;
    static ServiceProcess introB;
    static Map<String, String> introspectionEnv;
    static Credentials client;

    @BeforeAll
    static void startServices() throws Exception {
        LocalInfra infra = LocalInfra.get();
        infra.recreateDatabase(DB);
        redis = RestartableRedis.onFreePort();

        Map<String, String> common = new HashMap<>();
        common.put("FORGE_PG_HOST", infra.pgHost);
        common.put("FORGE_PG_PORT", String.valueOf(infra.pgPort));
        common.put("FORGE_PG_USER", infra.pgUser);
        common.put("FORGE_PG_PASSWORD", infra.pgPassword);
        common.put("FORGE_PG_DATABASE", DB);
        common.put("FORGE_REDIS_HOST", redis.host());
        common.put("FORGE_REDIS_PORT", String.valueOf(redis.port()));
        common.put("FORGE_KEK", random(32));
        // The default "127.0.0.1,::1" makes Quarkus resolve the host name ":" through DNS on every
        // request (see bench/token-issuance.sh); a DNS stall must not turn into a 1 s test failure.
        common.put("FORGE_TRUSTED_PROXIES", "127.0.0.1,[::1]");

        auth = ServiceProcess.builder("auth", ServiceProcess.jar("forge.e2e.auth.jar"))
                .portEnv("FORGE_AUTH_PORT").env(common)
                .env("FORGE_BOOTSTRAP_CLIENT_ID", ADMIN.id())
                .env("FORGE_BOOTSTRAP_CLIENT_SECRET", ADMIN.secret())
                .env("FORGE_KEYS_PUBLISH_DELAY", "0s")
                .start();

        introspectionEnv = new HashMap<>(common);
        introspectionEnv.put("FORGE_JWKS_URL", auth.baseUrl() + "/oauth/jwks");
        // both at once: the machine has few cores, the JVM starts are the slowest part of this test
        ServiceProcess a = introspection("introspection-a").launch();
        ServiceProcess b = introspection("introspection-b").launch();
        introA = a.awaitReady(Duration.ofSeconds(90));
        introB = b.awaitReady(Duration.ofSeconds(90));

        client = ForgeApi.registerClient(auth.baseUrl(), ADMIN, "e2e-revocation", "deployment:read");
    }

    @AfterAll
    static void stopServices() throws Exception {
        try {
            ServiceProcess.stopAllRunning();
        } finally {
            if (redis != null) {
                redis.close();
            }
        }
    }

    static ServiceProcess.Builder introspection(String name) {
        return ServiceProcess.builder(name, ServiceProcess.jar("forge.e2e.introspection.jar"))
                .portEnv("FORGE_INTROSPECTION_PORT").env(introspectionEnv);
    }

    @Test
    @Order(1)
    void revokedTokenIsInactiveOnBothInstancesWithinOneSecond() throws Exception {
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String token = accessToken(auth.baseUrl(), client, "deployment:read");
            assertTrue(active(introA.baseUrl(), ADMIN, token), "fresh token active on A");
            assertTrue(active(introB.baseUrl(), ADMIN, token), "fresh token active on B");

            long delay = revokeAndMeasure(token);
            delays.add(delay);
        }
        System.out.printf("[e2e] revoke -> inactive on both instances: %s ms%n", delays);
        long worst = delays.stream().mapToLong(Long::longValue).max().orElseThrow();
        assertTrue(worst < PROPAGATION_LIMIT.toMillis(), "revocation reached both instances in " + delays
                + " ms; limit " + PROPAGATION_LIMIT.toMillis() + " ms");
    }

    @Test
    @Order(2)
    void redisRestartLosesNoRevocation() throws Exception {
        String t1 = accessToken(auth.baseUrl(), client, "deployment:read");
        String t2 = accessToken(auth.baseUrl(), client, "deployment:read");
        String t3 = accessToken(auth.baseUrl(), client, "deployment:read");
        for (ServiceProcess i : List.of(introA, introB)) {
            for (String t : List.of(t1, t2, t3)) {
                assertTrue(active(i.baseUrl(), ADMIN, t), "fresh token active on " + i.name());
            }
            assertEquals("live", feed(i), "revocation feed of " + i.name() + " before the restart");
        }

        String subscribersBefore = redis.numsub(CHANNELS);
        System.out.println("[e2e] pub/sub subscribers before the restart: " + subscribersBefore);

        // T1 revoked while Redis is up
        long d1 = revokeAndMeasure(t1);
        assertTrue(d1 < PROPAGATION_LIMIT.toMillis(), "T1 inactive on both after " + d1 + " ms");

        // Redis goes away
        redis.stop();
        long downAt = System.nanoTime();
        System.out.println("[e2e] Redis stopped");

        // the instances keep answering from their in-process view; JWT verification needs no Redis
        for (ServiceProcess i : List.of(introA, introB)) {
            assertFalse(active(i.baseUrl(), ADMIN, t1), "T1 (revoked before the outage) inactive on " + i.name()
                    + " while Redis is down");
            assertTrue(active(i.baseUrl(), ADMIN, t2), "T2 (not revoked) active on " + i.name()
                    + " while Redis is down");
        }
        // still ready, but saying that the feed is degraded
        for (ServiceProcess i : List.of(introA, introB)) {
            await(i.name() + " reports revocation_feed=degraded while Redis is down", Duration.ofSeconds(10),
                    () -> "degraded".equals(feed(i)), i);
            System.out.printf("[e2e] %s: ready, revocation_feed=degraded (seen %d ms after Redis stopped)%n",
                    i.name(), elapsedMs(downAt));
        }

        // a revocation while Redis is down: stored in PostgreSQL, the caller still gets 200
        long r0 = System.nanoTime();
        HttpResponse<String> revoked3 = revoke(auth.baseUrl(), client, t3);
        long revokeMs = elapsedMs(r0);
        System.out.printf("[e2e] revoke of T3 while Redis is down: %d in %d ms%n", revoked3.statusCode(), revokeMs);
        assertEquals(200, revoked3.statusCode(), "FINDING: POST /oauth/revoke while Redis is down answered "
                + revoked3.statusCode() + " " + revoked3.body() + "; auth log:\n" + auth.grepLog("revocation", 20));
        for (ServiceProcess i : List.of(introA, introB)) {
            // expected: nobody can tell the instances while Redis is down; they learn it after the restart
            System.out.printf("[e2e] %s: T3 while Redis is down: active=%s%n", i.name(), active(i.baseUrl(), ADMIN, t3));
            assertFalse(active(i.baseUrl(), ADMIN, t1), "T1 still inactive on " + i.name());
        }

        // keep Redis down for longer than the auth-service's re-seed interval (2 s) and several of the
        // instances' resubscribe attempts (1 s apart), checking the answers all along
        int rounds = 0;
        while (elapsedMs(downAt) < OUTAGE.toMillis()) {
            for (ServiceProcess i : List.of(introA, introB)) {
                assertFalse(active(i.baseUrl(), ADMIN, t1), "T1 inactive on " + i.name() + " during the outage");
                assertTrue(active(i.baseUrl(), ADMIN, t2), "T2 active on " + i.name() + " during the outage");
                assertEquals("degraded", feed(i), i.name() + " feed during the outage");
            }
            rounds++;
            Thread.sleep(100);
        }
        System.out.printf("[e2e] answers and readiness checked %d times on both instances during the outage%n", rounds);

        // Redis comes back, empty
        redis.start();
        long upAt = System.nanoTime();
        System.out.printf("[e2e] Redis started again on port %d after %d ms down, %d keys%n", redis.port(),
                (upAt - downAt) / 1_000_000, redis.dbSize());

        for (ServiceProcess i : List.of(introA, introB)) {
            await(i.name() + ": T1 and T3 inactive, T2 active after the Redis restart", RECOVERY_LIMIT,
                    () -> !active(i.baseUrl(), ADMIN, t1) && !active(i.baseUrl(), ADMIN, t3)
                            && active(i.baseUrl(), ADMIN, t2), i);
            System.out.printf("[e2e] %s: T3 (revoked while Redis was down) inactive (seen %d ms after Redis came back)%n",
                    i.name(), elapsedMs(upAt));
        }
        for (ServiceProcess i : List.of(introA, introB)) {
            await(i.name() + " reports revocation_feed=live after the Redis restart", RECOVERY_LIMIT,
                    () -> "live".equals(feed(i)), i);
            System.out.printf("[e2e] %s: revocation_feed=live (seen %d ms after Redis came back)%n", i.name(),
                    elapsedMs(upAt));
        }

        // every subscriber is back: the revocation feeds of all three services, the auth-service's
        // change channels (client and key announcements), the introspection services' client channel
        await("pub/sub subscriptions as before the Redis restart (" + subscribersBefore + ")", RECOVERY_LIMIT,
                () -> subscribersBefore.equals(redis.numsub(CHANNELS)), auth);
        System.out.println("[e2e] pub/sub subscribers after the restart: " + redis.numsub(CHANNELS));

        // the feed itself works again: a new revocation arrives within the usual second
        String t4 = accessToken(auth.baseUrl(), client, "deployment:read");
        assertTrue(active(introA.baseUrl(), ADMIN, t4));
        assertTrue(active(introB.baseUrl(), ADMIN, t4));
        long d4 = revokeAndMeasure(t4);
        System.out.printf("[e2e] T4 revoked after the restart: inactive on both in %d ms%n", d4);
        assertTrue(d4 < PROPAGATION_LIMIT.toMillis(), "a revocation after the Redis restart took " + d4
                + " ms to reach both instances: the pub/sub feed is not back. A log:\n" + introA.grepLog("revocation", 20)
                + "\nB log:\n" + introB.grepLog("revocation", 20));

        // an instance started after the restart loads everything from the re-seeded Redis
        try (ServiceProcess c = introspection("introspection-c").start()) {
            assertFalse(active(c.baseUrl(), ADMIN, t1), "T1 inactive on an instance started after the restart");
            assertFalse(active(c.baseUrl(), ADMIN, t3), "T3 inactive on an instance started after the restart");
            assertFalse(active(c.baseUrl(), ADMIN, t4), "T4 inactive on an instance started after the restart");
            assertTrue(active(c.baseUrl(), ADMIN, t2), "T2 active on an instance started after the restart");
        }
    }

    /** Revokes, then polls both instances every ~10 ms; ms from the revoke answer to both inactive. */
    static long revokeAndMeasure(String token) throws Exception {
        HttpResponse<String> r = revoke(auth.baseUrl(), client, token);
        long t0 = System.nanoTime();
        assertEquals(200, r.statusCode(), "revoke answered " + r.body());
        long deadline = t0 + Duration.ofSeconds(10).toNanos();
        long doneA = -1;
        long doneB = -1;
        while ((doneA < 0 || doneB < 0) && System.nanoTime() < deadline) {
            if (doneA < 0 && !active(introA.baseUrl(), ADMIN, token)) {
                doneA = elapsedMs(t0);
            }
            if (doneB < 0 && !active(introB.baseUrl(), ADMIN, token)) {
                doneB = elapsedMs(t0);
            }
            if (doneA < 0 || doneB < 0) {
                Thread.sleep(10);
            }
        }
        if (doneA < 0 || doneB < 0) {
            throw new AssertionError("revoked token still active after 10 s on " + (doneA < 0 ? "A " : "")
                    + (doneB < 0 ? "B" : "") + "\nA log:\n" + introA.grepLog("revocation", 20)
                    + "\nB log:\n" + introB.grepLog("revocation", 20));
        }
        return Math.max(doneA, doneB);
    }

    /** {@code revocation_feed} of the token-verification readiness check; the answer must be 200. */
    @SuppressWarnings("unchecked")
    static String feed(ServiceProcess instance) throws Exception {
        HttpResponse<String> r = ForgeApi.get(instance.baseUrl() + "/q/health/ready");
        assertEquals(200, r.statusCode(), instance.name() + " readiness: " + r.body());
        Map<String, Object> health = JSONObjectUtils.parse(r.body());
        for (Object c : (List<Object>) health.get("checks")) {
            Map<String, Object> check = (Map<String, Object>) c;
            if ("token-verification".equals(check.get("name"))) {
                return String.valueOf(((Map<String, Object>) check.get("data")).get("revocation_feed"));
            }
        }
        throw new AssertionError("no token-verification check in " + r.body());
    }

    /** Polls {@code condition} every 25 ms until true; returns the ms it took, or fails with the log. */
    static long await(String what, Duration timeout, Callable<Boolean> condition, ServiceProcess logOf)
            throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.call()) {
                    return elapsedMs(t0);
                }
                last = null;
            } catch (AssertionError | java.io.IOException e) {
                last = e;
            }
            Thread.sleep(25);
        }
        AssertionError e = new AssertionError("not within " + timeout.toSeconds() + " s: " + what
                + "\n" + logOf.name() + " log (revocation lines):\n" + logOf.grepLog("revocation", 30)
                + "\nauth log (revocation lines):\n" + auth.grepLog("revocation", 30));
        if (last != null) {
            e.addSuppressed(last);
        }
        throw e;
    }

    static long elapsedMs(long fromNanos) {
        return (System.nanoTime() - fromNanos) / 1_000_000;
    }

    static String random(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
