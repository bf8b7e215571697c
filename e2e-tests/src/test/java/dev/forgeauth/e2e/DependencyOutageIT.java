package dev.forgeauth.e2e;

import static dev.forgeauth.e2e.support.ForgeApi.form;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.e2e.support.ForgeApi;
import dev.forgeauth.e2e.support.ForgeApi.Credentials;
import dev.forgeauth.e2e.support.RestartableRedis;
import dev.forgeauth.e2e.support.TcpProxy;
import dev.forgeauth.testing.LocalInfra;
import dev.forgeauth.testing.ServiceProcess;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Anonymous page loads store nothing in Redis (issue 21, finding 4), and PostgreSQL or Redis down: every
 * service answers 503 JSON {@code temporarily_unavailable} with
 * {@code Retry-After}, never a 500 (issue 13, finding 4), and recovers by itself once the dependency is
 * back. The packaged auth-service, introspection service, echo and gateway run against a PostgreSQL
 * reached through a {@link TcpProxy} the test cuts, and a Redis of the test's own that it stops; every
 * request goes through the gateway, as clients send them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DependencyOutageIT {

    static final String DB = "forge_e2e_outage";
    static final Credentials ADMIN = new Credentials("outage-admin", "outage-admin-secret-" + random());
    static final String PASSWORD = "violet-kettle-harbour-42";
    static final Duration RECOVERY = Duration.ofSeconds(20);

    static TcpProxy pg;
    static RestartableRedis redis;
    static ServiceProcess auth;
    static ServiceProcess introspection;
    static ServiceProcess gateway;
    static String front;
    static String adminToken;
    /** Clients registered but never used: the auth-service has to read them from PostgreSQL. */
    static List<Credentials> clients = new ArrayList<>();
    static String email;
    static String refreshToken;
    static List<String> pats = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        LocalInfra infra = LocalInfra.get();
        infra.recreateDatabase(DB);
        pg = new TcpProxy(infra.pgHost, infra.pgPort, LocalInfra.freePort());
        pg.restore();
        redis = RestartableRedis.onFreePort();
        Map<String, String> env = new HashMap<>();
        env.put("FORGE_PG_HOST", "127.0.0.1");
        env.put("FORGE_PG_PORT", String.valueOf(pg.port()));
        env.put("FORGE_PG_USER", infra.pgUser);
        env.put("FORGE_PG_PASSWORD", infra.pgPassword);
        env.put("FORGE_PG_DATABASE", DB);
        env.put("FORGE_REDIS_HOST", redis.host());
        env.put("FORGE_REDIS_PORT", String.valueOf(redis.port()));
        env.put("FORGE_KEK", random());
        env.put("FORGE_TRUSTED_PROXIES", "127.0.0.1,[::1]");
        env.put("FORGE_SHUTDOWN_DELAY", "0s");
        env.put("FORGE_SESSION_SECURE_COOKIE", "false");
        env.put("FORGE_KEYS_PUBLISH_DELAY", "0s");
        auth = ServiceProcess.builder("outage-auth", ServiceProcess.jar("forge.e2e.auth.jar")).portEnv("FORGE_AUTH_PORT")
                .env(env).env("FORGE_BOOTSTRAP_CLIENT_ID", ADMIN.id()).env("FORGE_BOOTSTRAP_CLIENT_SECRET", ADMIN.secret())
                .start();
        env.put("FORGE_JWKS_URL", auth.baseUrl() + "/oauth/jwks");
        ServiceProcess intro = ServiceProcess.builder("outage-introspection",
                ServiceProcess.jar("forge.e2e.introspection.jar")).portEnv("FORGE_INTROSPECTION_PORT").env(env).launch();
        ServiceProcess echo = ServiceProcess.builder("outage-echo", ServiceProcess.jar("forge.e2e.echo.jar"))
                .portEnv("FORGE_ECHO_PORT").env(env).launch();
        introspection = intro.awaitReady(Duration.ofSeconds(90));
        echo.awaitReady(Duration.ofSeconds(90));
        gateway = ServiceProcess.builder("outage-gateway", ServiceProcess.jar("forge.e2e.gateway.jar"))
                .portEnv("FORGE_GATEWAY_PORT").env(env)
                .env("FORGE_AUTH_URL", auth.baseUrl())
                .env("FORGE_INTROSPECTION_URL", introspection.baseUrl())
                .env("FORGE_ECHO_URL", echo.baseUrl())
                .env("FORGE_GATEWAY_CLIENT_ID", ADMIN.id())
                .env("FORGE_GATEWAY_CLIENT_SECRET", ADMIN.secret())
                .start();
        front = gateway.baseUrl();

        // what the checks use, made while everything is up
        adminToken = ForgeApi.accessToken(front, ADMIN, "admin");
        for (int i = 0; i < 4; i++) {
            clients.add(ForgeApi.registerClient(front, ADMIN, "outage-" + i, "deployment:read"));
        }
        email = "outage+" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        HttpResponse<String> user = ForgeApi.postJson(front + "/admin/users", adminToken, "{\"email\":\"" + email
                + "\",\"password\":\"" + PASSWORD + "\",\"scopes\":[\"deployment:read\"]}");
        assertEquals(201, user.statusCode(), user.body());
        HttpResponse<String> login = json("POST", front + "/auth/login", null,
                "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}");
        assertEquals(200, login.statusCode(), login.body());
        refreshToken = (String) ForgeApi.json(login).get("refresh_token");
        String loginToken = (String) ForgeApi.json(login).get("access_token");
        for (int i = 0; i < 4; i++) { // one never used before each outage check, one for each recovery
            HttpResponse<String> pat = ForgeApi.postJson(front + "/auth/tokens", loginToken,
                    "{\"name\":\"outage-" + i + "\",\"scopes\":[\"deployment:read\"],\"expires_in_days\":7}");
            assertEquals(201, pat.statusCode(), pat.body());
            pats.add((String) ForgeApi.json(pat).get("token"));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            ServiceProcess.stopAllRunning();
        } finally {
            if (pg != null) {
                pg.close();
            }
            if (redis != null) {
                redis.close();
            }
        }
    }

    /** The requests of the checks, all through the gateway; each needs PostgreSQL (or Redis) to answer. */
    static Map<String, HttpResponse<String>> requests(int n) throws Exception {
        String pat = pats.get(n);
        Map<String, HttpResponse<String>> r = new LinkedHashMap<>();
        r.put("POST /oauth/token (client_credentials)", ForgeApi.postForm(front + "/oauth/token", clients.get(n).basic(),
                "grant_type=client_credentials&scope=deployment:read"));
        r.put("POST /auth/login", json("POST", front + "/auth/login", null,
                "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}"));
        r.put("POST /auth/refresh", json("POST", front + "/auth/refresh", null,
                "{\"refresh_token\":\"" + refreshToken + "\"}"));
        r.put("GET /admin/clients", send(HttpRequest.newBuilder(URI.create(front + "/admin/clients"))
                .header("Authorization", "Bearer " + adminToken).GET()));
        r.put("POST /oauth/introspect (PAT)", ForgeApi.postForm(introspection.baseUrl() + "/oauth/introspect",
                ADMIN.basic(), "token=" + form(pat)));
        r.put("GET /api/v1/deployments (PAT at the gateway)", send(HttpRequest.newBuilder(
                URI.create(front + "/api/v1/deployments")).header("Authorization", "Bearer " + pat).GET()));
        HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(front + "/account")).GET());
        r.put("GET /account (sign-in page)", page);
        Matcher req = Pattern.compile("name=\"req\" value=\"([^\"]*)\"").matcher(page.body());
        Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([^\"]*)\"").matcher(page.body());
        if (req.find() && csrf.find()) {
            r.put("POST /login (sign-in form)", send(HttpRequest.newBuilder(URI.create(front + "/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("req=" + form(req.group(1)) + "&csrf=" + form(csrf.group(1))
                            + "&email=" + form(email) + "&password=" + form(PASSWORD)))));
        }
        return r;
    }

    /**
     * The attacker of issue 21, finding 4: 2,000 anonymous page loads through the gateway (sign-in pages of
     * /device and /account, /oauth/authorize with and without prompt=none, each with a 1 KiB state) grow
     * Redis by at most a small constant.
     */
    @Test
    @Order(0)
    void anonymousPageLoadsDoNotGrowRedis() throws Exception {
        String state = "x".repeat(1024);
        HttpResponse<String> reg = ForgeApi.postJson(front + "/admin/clients", adminToken, "{\"client_name\":\"anon\","
                + "\"grant_types\":[\"authorization_code\"],\"redirect_uris\":[\"http://127.0.0.1:9/cb\"],"
                + "\"scope\":\"deployment:read\",\"token_endpoint_auth_method\":\"none\"}");
        assertEquals(201, reg.statusCode(), reg.body());
        String clientId = (String) ForgeApi.json(reg).get("client_id");
        String authorize = front + "/oauth/authorize?response_type=code&client_id=" + form(clientId)
                + "&redirect_uri=" + form("http://127.0.0.1:9/cb") + "&code_challenge=" + "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                + "&code_challenge_method=S256&state=" + state;
        List<String> pages = List.of(front + "/device", front + "/account", front + "/device?user_code=BCDF-GHJK",
                authorize, authorize + "&prompt=none");
        long before = redis.dbSize();
        for (int i = 0; i < 2000; i++) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(pages.get(i % pages.size()))).GET());
            assertTrue(r.statusCode() == 200 || r.statusCode() == 302, pages.get(i % pages.size()) + ": " + r.statusCode());
        }
        long after = redis.dbSize();
        System.out.println("[e2e] Redis keys before 2,000 anonymous page loads: " + before + ", after: " + after);
        assertTrue(after - before <= 5, "2,000 anonymous page loads added " + (after - before) + " Redis keys");
    }

    @Test
    @Order(1)
    void postgresDownIs503JsonEverywhereThenRecovers() throws Exception {
        requests(0); // warm: connections are pooled
        pg.cut();
        try {
            Map<String, HttpResponse<String>> down = requests(1);
            for (var e : down.entrySet()) {
                if (e.getKey().startsWith("GET /account")) {
                    assertNotEquals(500, e.getValue().statusCode(), e.getKey()); // Redis only: may still work
                    continue;
                }
                assertOutage(e.getKey(), e.getValue());
            }
        } finally {
            pg.restore();
        }
        awaitRecovery(2);
    }

    @Test
    @Order(2)
    void redisDownIsNever500AndRecovers() throws Exception {
        redis.stop();
        try {
            Map<String, HttpResponse<String>> down = requests(3);
            List<String> unavailable = new ArrayList<>();
            for (var e : down.entrySet()) {
                int status = e.getValue().statusCode();
                assertTrue(status < 500 || status == 503, e.getKey() + " answered " + status + ": " + e.getValue().body());
                if (status == 503) {
                    assertOutage(e.getKey(), e.getValue());
                    unavailable.add(e.getKey());
                }
            }
            System.out.println("[e2e] with Redis down, 503 from: " + unavailable + "; the rest answered without it");
        } finally {
            redis.start();
        }
        awaitRecovery(3);
    }

    static void assertOutage(String what, HttpResponse<String> r) {
        assertEquals(503, r.statusCode(), what + " answered " + r.statusCode() + ": " + r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                what + ": JSON, got " + r.headers().firstValue("Content-Type"));
        Map<String, Object> body = ForgeApi.json(r);
        assertEquals("temporarily_unavailable", body.get("error"), what + ": " + r.body());
        assertNotNull(body.get("error_description"), what);
        String retry = r.headers().firstValue("Retry-After").orElse(null);
        assertNotNull(retry, what + ": Retry-After");
        assertTrue(retry.matches("[1-9][0-9]*"), what + ": Retry-After " + retry);
        assertTrue(!r.body().contains("Exception") && !r.body().contains("at "), what + " leaks internals: " + r.body());
    }

    /** Every request answers as when nothing failed (a 2xx), within {@link #RECOVERY}. */
    static void awaitRecovery(int n) throws Exception {
        long deadline = System.nanoTime() + RECOVERY.toNanos();
        Map<String, Integer> last = Map.of();
        while (System.nanoTime() < deadline) {
            Map<String, Integer> statuses = new LinkedHashMap<>();
            requests(n).forEach((k, v) -> statuses.put(k, v.statusCode()));
            boolean ok = statuses.entrySet().stream().allMatch(e -> e.getKey().startsWith("POST /auth/refresh")
                    ? e.getValue() == 200 || e.getValue() == 400 // the refresh token was spent by the first check
                    : e.getValue() >= 200 && e.getValue() < 400);
            if (ok) {
                return;
            }
            last = statuses;
            Thread.sleep(500);
        }
        throw new AssertionError("not recovered within " + RECOVERY.toSeconds() + " s: " + last);
    }

    static HttpResponse<String> json(String method, String url, String bearer, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return send(b);
    }

    static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return ForgeApi.HTTP.send(b.timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
