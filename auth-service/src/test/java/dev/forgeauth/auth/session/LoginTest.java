package dev.forgeauth.auth.session;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Password login, the session cookie, refresh rotation with reuse detection, logout, sessions. */
@QuarkusTest
class LoginTest {

    @Inject
    Pool pool;

    @Test
    void loginGivesTokenPairAndSecureSessionCookie() throws Exception {
        var u = TestUsers.create("deployment:read", "deployment:write");
        var r = TestUsers.login(u);
        assertEquals(200, r.statusCode());
        assertEquals("Bearer", r.path("token_type"));
        assertEquals(900, (int) r.path("expires_in"));
        String refresh = r.path("refresh_token");
        assertTrue(refresh.matches("df_rt_[0-9A-Za-z]{38}"));
        assertEquals("no-store", r.header("Cache-Control"));
        String cookie = r.header("Set-Cookie");
        assertTrue(cookie.startsWith("df_session=dfs_"), cookie);
        for (String flag : List.of("HttpOnly", "SameSite=Lax", "Secure", "Path=/")) {
            assertTrue(cookie.contains(flag), cookie + " lacks " + flag);
        }
        var claims = SignedJWT.parse(r.<String>path("access_token")).getJWTClaimsSet();
        assertEquals(u.id(), claims.getSubject());
        assertEquals("forge-login", claims.getStringClaim("client_id"));
        assertEquals("deployment:read deployment:write", claims.getStringClaim("scope"));
        assertNotEquals(null, claims.getStringClaim("sid"));
    }

    @Test
    void unknownEmailAndWrongPasswordLookTheSame() {
        var u = TestUsers.create();
        String ip = TestUsers.address();
        var wrong = TestUsers.login(u.email(), "wrong-password-entirely", ip);
        var unknown = TestUsers.login("nobody-" + u.email(), "wrong-password-entirely", ip);
        assertEquals(401, wrong.statusCode());
        assertEquals(401, unknown.statusCode());
        assertEquals(wrong.body().asString(), unknown.body().asString());
        assertEquals("invalid_credentials", unknown.path("error"));
        // and take the same time: both pay for one Argon2id (the unknown one against a dummy hash)
        long tWrong = median(() -> TestUsers.login(u.email(), "wrong-password-entirely", TestUsers.address()));
        long tUnknown = median(() -> TestUsers.login("x" + u.email(), "wrong-password-entirely", TestUsers.address()));
        assertTrue(tUnknown * 2 > tWrong && tWrong * 2 > tUnknown, "unknown " + tUnknown + " ms vs wrong " + tWrong + " ms");
    }

    static long median(Runnable r) {
        long[] t = new long[5];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1_000_000;
        }
        java.util.Arrays.sort(t);
        return t[2];
    }

    @Test
    void badLoginBodies() {
        given().contentType(ContentType.JSON).body("{\"email\":").post("/auth/login").then().statusCode(400)
                .body("error", equalTo("invalid_request"));
        given().contentType(ContentType.JSON).body(Map.of("email", "a@b.co")).post("/auth/login").then().statusCode(400);
        given().contentType(ContentType.JSON).body(Map.of("email", 5, "password", "x")).post("/auth/login").then()
                .statusCode(400);
        given().contentType(ContentType.URLENC).formParam("email", "a@b.co").post("/auth/login").then().statusCode(415);
        given().contentType(ContentType.JSON).body(Map.of("email", "a@b.co", "password", "p".repeat(5000)))
                .post("/auth/login").then().statusCode(400);
    }

    @Test
    void refreshRotatesAndReuseKillsTheFamily() throws Exception {
        var u = TestUsers.create();
        var r = TestUsers.login(u);
        String r1 = r.path("refresh_token");
        String r2 = refresh(r1).then().statusCode(200).extract().path("refresh_token");
        assertNotEquals(r1, r2);
        String r3 = refresh(r2).then().statusCode(200).body("access_token", notNullValue()).extract().path("refresh_token");
        // r1 again: a replay (its successor was used, so even inside the test profile's leeway). The family
        // dies, r3 with it, and the session ends.
        refresh(r1).then().statusCode(400).body("error", equalTo("invalid_grant"));
        refresh(r3).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().oauth2(r.<String>path("access_token")).get("/auth/sessions").then().statusCode(401);
        long events = pool.preparedQuery("SELECT count(*) FROM audit_event WHERE type = 'refresh.reuse_detected' "
                + "AND user_id = $1").execute(Tuple.of(java.util.UUID.fromString(u.id())))
                .await().indefinitely().iterator().next().getLong(0);
        assertEquals(1, events);
    }

    @Test
    void concurrentRefreshesWithOneTokenExactlyOneWins() throws Exception {
        var u = TestUsers.create();
        String r1 = TestUsers.login(u).path("refresh_token");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Callable<io.restassured.response.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(() -> refresh(r1));
        }
        List<String> winners = new ArrayList<>();
        int losers = 0;
        for (Future<io.restassured.response.Response> f : pool.invokeAll(calls)) {
            var resp = f.get();
            if (resp.statusCode() == 200) {
                winners.add(resp.path("refresh_token"));
            } else {
                assertEquals(400, resp.statusCode());
                losers++;
            }
        }
        pool.shutdown();
        assertEquals(1, winners.size(), "exactly one refresh wins");
        assertEquals(3, losers);
        // the winner's token still works: the race did not end the family
        refresh(winners.get(0)).then().statusCode(200);
    }

    @Test
    void reuseWithinTheLeewayEndsTheFamilyOnceTheSuccessorWasUsed() {
        // the test profile sets a leeway long enough for these calls; the default is 0
        var u = TestUsers.create();
        var r = TestUsers.login(u);
        String r1 = r.path("refresh_token");
        String r2 = refresh(r1).then().statusCode(200).extract().path("refresh_token");
        String r3 = refresh(r2).then().statusCode(200).extract().path("refresh_token");
        // r1 again, within the leeway, but its successor r2 was used already: a replay, not a race
        refresh(r1).then().statusCode(400).body("error", equalTo("invalid_grant"));
        refresh(r3).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().oauth2(r.<String>path("access_token")).get("/auth/sessions").then().statusCode(401);
    }

    @Test
    void theConcurrentRefreshLeewayIsOffByDefault() throws Exception {
        var m = dev.forgeauth.auth.config.ForgeConfig.Refresh.class.getMethod("concurrentLeeway");
        var d = m.getAnnotation(io.smallrye.config.WithDefault.class);
        assertEquals(java.time.Duration.ZERO, java.time.Duration.parse("PT" + d.value().toUpperCase()));
    }

    @Test
    void refreshInputErrors() {
        refresh("df_rt_notreal").then().statusCode(400).body("error", equalTo("invalid_grant"));
        refresh(dev.forgeauth.core.token.OpaqueTokens.generate("df_rt_")).then().statusCode(400)
                .body("error", equalTo("invalid_grant"));
        given().contentType(ContentType.JSON).body("{}").post("/auth/refresh").then().statusCode(400)
                .body("error", equalTo("invalid_request"));
    }

    static io.restassured.response.Response refresh(String token) {
        return given().contentType(ContentType.JSON).body(Map.of("refresh_token", token)).post("/auth/refresh");
    }

    @Test
    void logoutEndsTheSessionAndEveryTokenOfIt() {
        var u = TestUsers.create();
        var r = TestUsers.login(u);
        String access = r.path("access_token");
        String refresh = r.path("refresh_token");
        String cookie = r.cookie("df_session");
        given().cookie("df_session", cookie).get("/auth/sessions").then().statusCode(200);
        given().cookie("df_session", cookie).post("/auth/logout").then().statusCode(204)
                .header("Set-Cookie", org.hamcrest.Matchers.containsString("Max-Age=0"));
        given().cookie("df_session", cookie).get("/auth/sessions").then().statusCode(401);
        given().auth().oauth2(access).get("/auth/sessions").then().statusCode(401);
        refresh(refresh).then().statusCode(400);
        given().post("/auth/logout").then().statusCode(401);
    }

    @Test
    void sessionsAreListedAndEndedOneByOne() {
        var u = TestUsers.create();
        String a = TestUsers.login(u).path("access_token");
        var second = TestUsers.login(u);
        String b = second.path("access_token");
        List<Map<String, Object>> list = given().auth().oauth2(a).header("User-Agent", "test-agent")
                .get("/auth/sessions").then().statusCode(200).extract().jsonPath().getList("$");
        assertEquals(2, list.size());
        assertTrue(list.stream().allMatch(s -> s.get("created_at") != null && s.get("last_seen_at") != null
                && s.get("ip") != null));
        assertEquals(1, list.stream().filter(s -> Boolean.TRUE.equals(s.get("current"))).count());
        String otherId = (String) list.stream().filter(s -> !Boolean.TRUE.equals(s.get("current"))).findFirst()
                .orElseThrow().get("id");
        given().auth().oauth2(a).delete("/auth/sessions/" + otherId).then().statusCode(204);
        given().auth().oauth2(b).get("/auth/sessions").then().statusCode(401);
        given().auth().oauth2(a).get("/auth/sessions").then().statusCode(200);
        given().auth().oauth2(a).delete("/auth/sessions/" + otherId).then().statusCode(404);
        given().auth().oauth2(a).delete("/auth/sessions/not-a-uuid").then().statusCode(404);
        // someone else's session is not found either
        var stranger = TestUsers.create();
        String s = TestUsers.login(stranger).path("access_token");
        String strangerSession = given().auth().oauth2(s).get("/auth/sessions").then().extract().path("[0].id");
        given().auth().oauth2(a).delete("/auth/sessions/" + strangerSession).then().statusCode(404);
    }

    @Test
    void repeatedFailuresAreThrottledThenRecover() throws Exception {
        var u = TestUsers.create();
        String ip = TestUsers.address();
        for (int i = 0; i < 5; i++) {
            assertEquals(401, TestUsers.login(u.email(), "wrong-password-entirely", ip).statusCode());
        }
        var throttled = TestUsers.login(u.email(), "wrong-password-entirely", ip);
        assertEquals(429, throttled.statusCode());
        assertTrue(Integer.parseInt(throttled.header("Retry-After")) >= 1);
        // even the right password waits out the block...
        assertEquals(429, TestUsers.login(u.email(), u.password(), ip).statusCode());
        // ...which grows with each further failure but is short (the test profile caps it at 2 s)
        Thread.sleep(2100);
        assertEquals(200, TestUsers.login(u.email(), u.password(), ip).statusCode());
        // and a success clears the account's count
        assertEquals(401, TestUsers.login(u.email(), "wrong-password-entirely", ip).statusCode());
    }
}
