package dev.forgeauth.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.forgeauth.testing.LocalInfra;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two auth-service processes (the packaged application) on one database and one Redis, started at the
 * same moment: they agree on one key set, each one's tokens verify against the other's JWKS, a rotation
 * on one reaches the other, and a client change on one is seen by the other at once.
 */
class MultiInstanceIT {

    static final String DB = "forge_auth_it";
    static final String ADMIN = "it-admin";
    static final String ADMIN_SECRET = "it-admin-secret-" + System.nanoTime();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final List<Process> PROCESSES = new ArrayList<>();
    static String a;
    static String b;

    @BeforeAll
    static void startTwoInstances() throws Exception {
        LocalInfra infra = LocalInfra.get();
        infra.recreateDatabase(DB);
        byte[] kek = new byte[32];
        new SecureRandom().nextBytes(kek);
        int portA = LocalInfra.freePort();
        int portB = LocalInfra.freePort();
        Map<String, String> env = new HashMap<>();
        env.put("FORGE_PG_HOST", infra.pgHost);
        env.put("FORGE_PG_PORT", String.valueOf(infra.pgPort));
        env.put("FORGE_PG_USER", infra.pgUser);
        env.put("FORGE_PG_PASSWORD", infra.pgPassword);
        env.put("FORGE_PG_DATABASE", DB);
        env.put("FORGE_REDIS_HOST", infra.redisHost);
        env.put("FORGE_REDIS_PORT", String.valueOf(infra.redisPort));
        env.put("FORGE_KEK", Base64.getEncoder().encodeToString(kek));
        env.put("FORGE_BOOTSTRAP_CLIENT_ID", ADMIN);
        env.put("FORGE_BOOTSTRAP_CLIENT_SECRET", ADMIN_SECRET);
        env.put("FORGE_KEYS_PUBLISH_DELAY", "0s");
        // both start together: they race for the first key and the bootstrap client
        PROCESSES.add(start(env, portA, "a"));
        PROCESSES.add(start(env, portB, "b"));
        a = "http://127.0.0.1:" + portA;
        b = "http://127.0.0.1:" + portB;
        awaitReady(a);
        awaitReady(b);
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : PROCESSES) {
            p.destroy();
        }
        for (Process p : PROCESSES) {
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    static Process start(Map<String, String> env, int port, String name) throws Exception {
        String jar = System.getProperty("forge.app.jar", "target/quarkus-app/quarkus-run.jar");
        Path log = Path.of("target", "multi-instance-" + name + ".log");
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(javaBin(), "-Xmx256m", "-jar", jar)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("FORGE_AUTH_PORT", String.valueOf(port));
        return pb.start();
    }

    static String javaBin() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    static void awaitReady(String base) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (get(base + "/q/health/ready").statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError(base + " did not become ready; see target/multi-instance-*.log");
    }

    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(String method, String url, String bearer, String json) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + bearer);
        if (json != null) {
            r.header("Content-Type", "application/json");
        }
        r.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> token(String base, String id, String secret) throws Exception {
        String basic = Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + "/oauth/token"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String accessToken(String base, String id, String secret) throws Exception {
        HttpResponse<String> r = token(base, id, secret);
        assertEquals(200, r.statusCode(), r.body());
        return field(r.body(), "access_token");
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        return m.group(1);
    }

    static JWTClaimsSet verify(String token, String jwksBase) throws Exception {
        JWKSet jwks = JWKSet.parse(get(jwksBase + "/oauth/jwks").body());
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256, new ImmutableJWKSet<>(jwks)));
        p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("forge-api",
                new JWTClaimsSet.Builder().issuer("http://localhost:8080").build(), Set.of("sub", "exp", "jti")));
        return p.process(token, null);
    }

    static String kid(String token) throws Exception {
        return SignedJWT.parse(token).getHeader().getKeyID();
    }

    @Test
    void bothInstancesIssueTokensThatVerifyEverywhereAndFollowRotation() throws Exception {
        String fromA = accessToken(a, ADMIN, ADMIN_SECRET);
        String fromB = accessToken(b, ADMIN, ADMIN_SECRET);
        assertEquals(kid(fromA), kid(fromB), "one key set for both instances");
        for (String t : List.of(fromA, fromB)) {
            verify(t, a);
            verify(t, b);
        }

        HttpResponse<String> rotated = send("POST", a + "/admin/keys/rotate", fromA, null);
        assertEquals(202, rotated.statusCode(), rotated.body());
        String newFromA = accessToken(a, ADMIN, ADMIN_SECRET);
        assertNotEquals(kid(fromA), kid(newFromA));

        // B hears of the rotation through Redis and signs with the new key
        String newFromB = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            newFromB = accessToken(b, ADMIN, ADMIN_SECRET);
            if (kid(newFromB).equals(kid(newFromA))) {
                break;
            }
            Thread.sleep(50);
        }
        assertEquals(kid(newFromA), kid(newFromB));
        for (String t : List.of(fromA, fromB, newFromA, newFromB)) {
            verify(t, a);
            verify(t, b);
        }
    }

    @Test
    void clientChangesOnOneInstanceTakeEffectOnTheOther() throws Exception {
        String admin = accessToken(a, ADMIN, ADMIN_SECRET);
        HttpResponse<String> created = send("POST", a + "/admin/clients", admin,
                "{\"client_name\":\"it\",\"scope\":\"deployment:read\"}");
        assertEquals(201, created.statusCode(), created.body());
        String id = field(created.body(), "client_id");
        String secret = field(created.body(), "client_secret");
        // B has never seen it and finds it in the database; now B has it cached
        assertEquals(200, token(b, id, secret).statusCode());

        HttpResponse<String> rotated = send("POST", a + "/admin/clients/" + id + "/secret", admin, null);
        assertEquals(200, rotated.statusCode());
        String newSecret = field(rotated.body(), "client_secret");

        // B drops its cached copy when A announces the change: the old secret stops within a second
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        int status = 0;
        while (System.nanoTime() < deadline) {
            status = token(b, id, secret).statusCode();
            if (status == 401) {
                break;
            }
            Thread.sleep(20);
        }
        assertEquals(401, status, "old secret refused by the other instance within 1 s");
        assertEquals(200, token(b, id, newSecret).statusCode());
    }
}
