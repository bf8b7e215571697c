package dev.forgeauth.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.e2e.support.ForgeApi;
import dev.forgeauth.e2e.support.ForgeApi.Credentials;
import dev.forgeauth.testing.ServiceProcess;
import dev.forgeauth.testing.LocalInfra;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every credential kind through the front door, with the whole system running as processes: the session
 * cookie and the login token (users), PATs and API keys; and each one's end (logout, deletion, user
 * deletion) effective at the gateway within a second.
 */
class GatewayCredentialsIT {

    static final String DB = "forge_e2e_gateway";
    static final Credentials ADMIN = new Credentials("e2e-gw-admin", "e2e-gw-admin-secret-" + random());
    static final String PASSWORD = "violet-kettle-harbour-42";
    static ServiceProcess auth;
    static ServiceProcess gateway;

    @BeforeAll
    static void start() throws Exception {
        LocalInfra infra = LocalInfra.get();
        infra.recreateDatabase(DB);
        Map<String, String> env = new HashMap<>();
        env.put("FORGE_PG_HOST", infra.pgHost);
        env.put("FORGE_PG_PORT", String.valueOf(infra.pgPort));
        env.put("FORGE_PG_USER", infra.pgUser);
        env.put("FORGE_PG_PASSWORD", infra.pgPassword);
        env.put("FORGE_PG_DATABASE", DB);
        env.put("FORGE_REDIS_HOST", infra.redisHost);
        env.put("FORGE_REDIS_PORT", String.valueOf(infra.redisPort));
        env.put("FORGE_KEK", random());
        env.put("FORGE_TRUSTED_PROXIES", "127.0.0.1,[::1]");
        env.put("FORGE_SHUTDOWN_DELAY", "0s");
        env.put("FORGE_SESSION_SECURE_COOKIE", "false");
        auth = ServiceProcess.builder("gw-auth", ServiceProcess.jar("forge.e2e.auth.jar")).portEnv("FORGE_AUTH_PORT")
                .env(env).env("FORGE_BOOTSTRAP_CLIENT_ID", ADMIN.id()).env("FORGE_BOOTSTRAP_CLIENT_SECRET", ADMIN.secret())
                .start();
        env.put("FORGE_JWKS_URL", auth.baseUrl() + "/oauth/jwks");
        ServiceProcess introspection = ServiceProcess.builder("gw-introspection",
                ServiceProcess.jar("forge.e2e.introspection.jar")).portEnv("FORGE_INTROSPECTION_PORT").env(env).launch();
        ServiceProcess echo = ServiceProcess.builder("gw-echo", ServiceProcess.jar("forge.e2e.echo.jar"))
                .portEnv("FORGE_ECHO_PORT").env(env).launch();
        introspection.awaitReady(Duration.ofSeconds(90));
        echo.awaitReady(Duration.ofSeconds(90));
        gateway = ServiceProcess.builder("gw-gateway", ServiceProcess.jar("forge.e2e.gateway.jar"))
                .portEnv("FORGE_GATEWAY_PORT").env(env)
                .env("FORGE_AUTH_URL", auth.baseUrl())
                .env("FORGE_INTROSPECTION_URL", introspection.baseUrl())
                .env("FORGE_ECHO_URL", echo.baseUrl())
                .env("FORGE_GATEWAY_CLIENT_ID", ADMIN.id())
                .env("FORGE_GATEWAY_CLIENT_SECRET", ADMIN.secret())
                .env("FORGE_GATEWAY_RATE_LIMIT", "100000")
                .start();
    }

    @AfterAll
    static void stop() {
        ServiceProcess.stopAllRunning();
    }

    static String random() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    record User(String id, String email, String cookie, String accessToken, String refreshToken) {
    }

    /** Created through the admin API, logged in through the gateway. */
    static User user() throws Exception {
        String admin = ForgeApi.accessToken(gateway.baseUrl(), ADMIN, "admin");
        String email = "u-" + UUID.randomUUID() + "@example.com";
        HttpResponse<String> created = ForgeApi.postJson(gateway.baseUrl() + "/admin/users", admin,
                "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"scopes\":[\"deployment:read\"]}");
        assertEquals(201, created.statusCode(), created.body());
        HttpResponse<String> login = ForgeApi.HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/auth/login"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, login.statusCode(), login.body());
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = setCookie.substring("df_session=".length(), setCookie.indexOf(';'));
        return new User((String) ForgeApi.json(created).get("id"), email, cookie,
                (String) ForgeApi.json(login).get("access_token"), (String) ForgeApi.json(login).get("refresh_token"));
    }

    static HttpResponse<String> api(String header, String value) throws Exception {
        return api("/api/v1/deployments", header, value);
    }

    static HttpResponse<String> api(String path, String header, String value) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path)).timeout(Duration.ofSeconds(10));
        if (header != null) {
            r.header(header, value);
        }
        return ForgeApi.HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> echoed(HttpResponse<String> r) {
        assertEquals(200, r.statusCode(), r.body());
        return (Map<String, Object>) ForgeApi.json(r).get("headers");
    }

    static String create(User u, String path, String field) throws Exception {
        HttpResponse<String> r = ForgeApi.postJson(gateway.baseUrl() + path, u.accessToken(), "{\"name\":\"e2e\"}");
        assertEquals(201, r.statusCode(), r.body());
        return (String) ForgeApi.json(r).get(field);
    }

    /** Polls until the request is refused; answers how long it took, failing past one second. */
    static long refusedWithinASecond(String what, Supplier<Integer> status) throws Exception {
        long t0 = System.nanoTime();
        int s = 200;
        while (System.nanoTime() - t0 < 1_000_000_000L) {
            s = status.get();
            if (s == 401) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("[e2e] %s refused at the gateway after %d ms%n", what, ms);
                return ms;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(what + " still answered " + s + " one second later");
    }

    static Supplier<Integer> status(String header, String value) {
        return () -> {
            try {
                return api(header, value).statusCode();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Test
    void sessionCookieAndLoginTokenThenLogout() throws Exception {
        User u = user();
        Map<String, Object> viaCookie = echoed(api("Cookie", "df_session=" + u.cookie() + "; theme=dark"));
        assertEquals("session", viaCookie.get("x-auth-token-type"));
        assertEquals(u.id(), viaCookie.get("x-auth-subject"));
        assertEquals("theme=dark", viaCookie.get("cookie"), "the session cookie is not forwarded");
        Map<String, Object> viaToken = echoed(api("Authorization", "Bearer " + u.accessToken()));
        assertEquals("jwt", viaToken.get("x-auth-token-type"));
        assertEquals("deployment:read", viaToken.get("x-auth-scopes"));

        HttpResponse<String> out = ForgeApi.HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/auth/logout"))
                .header("Cookie", "df_session=" + u.cookie()).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, out.statusCode(), out.body());
        refusedWithinASecond("session cookie after logout", status("Cookie", "df_session=" + u.cookie()));
        refusedWithinASecond("login token after logout", status("Authorization", "Bearer " + u.accessToken()));
    }

    @Test
    void refreshTokenIsNotABearerCredential() throws Exception {
        // a live refresh token (introspection answers it as active, kind refresh_token): the gateway takes
        // exactly jwt|pat|api_key|session, so it is refused as every header credential and as the cookie
        User u = user();
        for (String[] how : new String[][] {{"Authorization", "Bearer " + u.refreshToken()}, {"X-API-Key", u.refreshToken()},
                {"Cookie", "df_session=" + u.refreshToken()}}) {
            HttpResponse<String> r = api(how[0], how[1]);
            assertEquals(401, r.statusCode(), how[0] + ": " + r.body());
            assertEquals("invalid_token", ForgeApi.json(r).get("error"), how[0]);
        }
        // and it still works where it belongs
        HttpResponse<String> refreshed = ForgeApi.HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/auth/refresh"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"refresh_token\":\"" + u.refreshToken() + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, refreshed.statusCode(), refreshed.body());
    }

    @Test
    void patAndApiKeyThenDeletion() throws Exception {
        User u = user();
        String pat = create(u, "/auth/tokens", "token");
        assertEquals("pat", echoed(api("Authorization", "Bearer " + pat)).get("x-auth-token-type"));
        String key = create(u, "/auth/api-keys", "key");
        assertEquals("api_key", echoed(api("X-API-Key", key)).get("x-auth-token-type"));
        assertEquals("api_key", echoed(api("Authorization", "Bearer " + key)).get("x-auth-token-type"));
        assertTrue(echoed(api("X-API-Key", key)).get("x-api-key") == null, "the key is not forwarded");
        // the query parameter is off by default
        assertEquals(401, api("/api/v1/deployments?api_key=" + key, null, null).statusCode());
        // one changed character: refused (the checksum fails before any lookup)
        String broken = pat.substring(0, pat.length() - 1) + (pat.endsWith("A") ? "B" : "A");
        assertEquals(401, api("Authorization", "Bearer " + broken).statusCode());

        HttpResponse<String> list = ForgeApi.HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/auth/tokens"))
                .header("Authorization", "Bearer " + u.accessToken()).build(), HttpResponse.BodyHandlers.ofString());
        String id = list.body().replaceAll("(?s).*\"id\":\"([0-9a-f-]{36})\".*", "$1");
        assertNotNull(id);
        HttpResponse<String> deleted = ForgeApi.HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl()
                + "/auth/tokens/" + id)).header("Authorization", "Bearer " + u.accessToken()).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, deleted.statusCode(), deleted.body());
        refusedWithinASecond("deleted PAT", status("Authorization", "Bearer " + pat));
        assertEquals(200, api("X-API-Key", key).statusCode(), "the API key lives on");
    }

    @Test
    void deletingTheUserEndsEverything() throws Exception {
        User u = user();
        String pat = create(u, "/auth/tokens", "token");
        String key = create(u, "/auth/api-keys", "key");
        assertEquals(200, api("Authorization", "Bearer " + pat).statusCode());
        assertEquals(200, api("X-API-Key", key).statusCode());
        String admin = ForgeApi.accessToken(gateway.baseUrl(), ADMIN, "admin");
        HttpResponse<String> del = ForgeApi.HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl()
                + "/admin/users/" + u.id())).header("Authorization", "Bearer " + admin).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(204, del.statusCode(), del.body());
        refusedWithinASecond("PAT of a deleted user", status("Authorization", "Bearer " + pat));
        refusedWithinASecond("API key of a deleted user", status("X-API-Key", key));
        refusedWithinASecond("session of a deleted user", status("Cookie", "df_session=" + u.cookie()));
        refusedWithinASecond("login token of a deleted user", status("Authorization", "Bearer " + u.accessToken()));
    }
}
