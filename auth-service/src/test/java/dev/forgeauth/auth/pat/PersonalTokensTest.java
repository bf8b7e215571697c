package dev.forgeauth.auth.pat;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestUsers;
import dev.forgeauth.core.revocation.RevocationKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PATs and API keys: shown once, listed without values, scoped, expiring, deletable, rotatable. */
@QuarkusTest
class PersonalTokensTest {

    @Inject
    RedisDataSource redis;

    static String login(TestUsers.Created u) {
        return TestUsers.login(u).path("access_token");
    }

    @Test
    void deletingARotatedApiKeyEndsEveryValueOfIt() {
        var u = TestUsers.create("deployment:read");
        String token = login(u);
        for (boolean deleteTheOldId : List.of(true, false)) {
            String oldId = given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(Map.of("name", "rotated", "scopes", List.of("deployment:read")))
                    .post("/auth/api-keys").then().statusCode(201).extract().path("id");
            String newId = given().auth().oauth2(token).post("/auth/api-keys/" + oldId + "/rotate").then().statusCode(200)
                    .extract().path("id");
            given().auth().oauth2(token).delete("/auth/api-keys/" + (deleteTheOldId ? oldId : newId)).then()
                    .statusCode(204);
            for (String id : List.of(oldId, newId)) {
                assertTrue(redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, id).isPresent(), id);
            }
            given().auth().oauth2(token).get("/auth/api-keys").then().statusCode(200).body("size()", equalTo(0));
            given().auth().oauth2(token).delete("/auth/api-keys/" + oldId).then().statusCode(404);
        }
    }

    @Test
    void listedCredentialsAlwaysCarryLastUsedAt() {
        var u = TestUsers.create("deployment:read");
        String token = login(u);
        for (String path : List.of("/auth/tokens", "/auth/api-keys")) {
            given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(Map.of("name", "never used", "scopes", List.of("deployment:read")))
                    .post(path).then().statusCode(201);
            List<Map<String, Object>> listed = given().auth().oauth2(token).get(path).then().statusCode(200)
                    .extract().jsonPath().getList("$");
            assertEquals(1, listed.size(), path);
            assertTrue(listed.get(0).containsKey("last_used_at"), path + ": " + listed.get(0));
            assertEquals(null, listed.get(0).get("last_used_at"), path);
        }
    }

    @Test
    void patIsShownOnceAndListedWithoutItsValue() {
        var u = TestUsers.create("deployment:read", "deployment:write");
        String token = login(u);
        var created = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "ci deploys", "scopes", List.of("deployment:read"), "expires_in_days", 90))
                .post("/auth/tokens").then().statusCode(201)
                .header("Cache-Control", "no-store")
                .body("id", notNullValue()).body("name", equalTo("ci deploys"))
                .body("scopes", equalTo(List.of("deployment:read")))
                .body("created_at", notNullValue()).body("expires_at", notNullValue())
                .extract();
        String value = created.path("token");
        assertTrue(value.matches("dfpat_[0-9A-Za-z]{38}"), value);
        Instant exp = Instant.parse(created.path("expires_at"));
        assertTrue(exp.isAfter(Instant.now().plus(Duration.ofDays(89))) && exp.isBefore(Instant.now().plus(Duration.ofDays(91))));
        String list = given().auth().oauth2(token).get("/auth/tokens").then().statusCode(200)
                .body("id", hasItem(created.<String>path("id")))
                .body("token", not(hasItem(notNullValue())))
                .body("[0].last_used_at", nullValue())
                .extract().asString();
        assertTrue(!list.contains(value));
    }

    @Test
    void scopesMustBeASubsetOfTheUsers() {
        var u = TestUsers.create("deployment:read");
        given().auth().oauth2(login(u)).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "scopes", List.of("deployment:read", "admin")))
                .post("/auth/tokens").then().statusCode(400).body("error", equalTo("invalid_scope"));
        given().auth().oauth2(login(u)).contentType(ContentType.JSON)
                .body(Map.of("name", "x", "scopes", List.of("infrastructure:write")))
                .post("/auth/api-keys").then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void patLifetimeIsAtMostNinetyDays() {
        var u = TestUsers.create();
        String token = login(u);
        for (Object days : List.of(91, 0, -1, "30", 1.5)) {
            given().auth().oauth2(token).contentType(ContentType.JSON)
                    .body(Map.of("name", "x", "expires_in_days", days)).post("/auth/tokens")
                    .then().statusCode(400).body("error", equalTo("invalid_request"));
        }
        // default: a PAT always expires
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "default"))
                .post("/auth/tokens").then().statusCode(201).body("expires_at", notNullValue());
        // API keys may live without an expiry
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "server"))
                .post("/auth/api-keys").then().statusCode(201).body("expires_at", nullValue())
                .body("key", org.hamcrest.Matchers.startsWith("sk_live_")).body("token", nullValue());
    }

    @Test
    void badInput() {
        var u = TestUsers.create();
        String token = login(u);
        given().auth().oauth2(token).contentType(ContentType.JSON).body("{").post("/auth/tokens").then().statusCode(400);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("scopes", List.of("deployment:read")))
                .post("/auth/tokens").then().statusCode(400);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "x", "scopes", "deployment:read"))
                .post("/auth/tokens").then().statusCode(400);
        given().auth().oauth2(token).contentType(ContentType.TEXT).body("x").post("/auth/tokens").then().statusCode(415);
        given().auth().oauth2(token).delete("/auth/tokens/not-a-uuid").then().statusCode(404);
        given().contentType(ContentType.JSON).body(Map.of("name", "x")).post("/auth/tokens").then().statusCode(401);
    }

    @Test
    void aClientTokenOrAPatCannotManageCredentials() {
        var c = TestClients.client().register();
        String cc = dev.forgeauth.auth.support.TestTokens.clientCredentials(c.id(), c.secret(), null);
        given().auth().oauth2(cc).get("/auth/tokens").then().statusCode(401);
        var u = TestUsers.create();
        String pat = given().auth().oauth2(login(u)).contentType(ContentType.JSON).body(Map.of("name", "p"))
                .post("/auth/tokens").then().statusCode(201).extract().path("token");
        given().auth().oauth2(pat).get("/auth/tokens").then().statusCode(401);
    }

    @Test
    void deletionRevokesThroughTheFeed() {
        var u = TestUsers.create();
        String token = login(u);
        String id = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "p"))
                .post("/auth/tokens").then().statusCode(201).extract().path("id");
        given().auth().oauth2(token).delete("/auth/tokens/" + id).then().statusCode(204);
        assertTrue(redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, id).isPresent());
        given().auth().oauth2(token).get("/auth/tokens").then().statusCode(200).body("id", not(hasItem(id)));
        given().auth().oauth2(token).delete("/auth/tokens/" + id).then().statusCode(404);
        // another user's token is not yours to delete
        String other = given().auth().oauth2(login(TestUsers.create())).contentType(ContentType.JSON)
                .body(Map.of("name", "o")).post("/auth/tokens").then().extract().path("id");
        given().auth().oauth2(token).delete("/auth/tokens/" + other).then().statusCode(404);
    }

    @Test
    void apiKeyRotationKeepsTheOldKeyForTheGracePeriod() {
        var u = TestUsers.create();
        String token = login(u);
        var created = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "billing"))
                .post("/auth/api-keys").then().statusCode(201).extract();
        String id = created.path("id");
        var rotated = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("grace_period_seconds", 3600)).post("/auth/api-keys/" + id + "/rotate")
                .then().statusCode(200).extract();
        assertTrue(rotated.<String>path("key").startsWith("sk_live_"));
        assertTrue(!rotated.<String>path("key").equals(created.<String>path("key")));
        List<Map<String, Object>> keys = given().auth().oauth2(token).get("/auth/api-keys").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertEquals(2, keys.size(), "old key still live during its grace period");
        Map<String, Object> old = keys.stream().filter(k -> id.equals(k.get("id"))).findFirst().orElseThrow();
        assertEquals(rotated.path("id"), old.get("replaced_by"));
        Instant oldExpires = Instant.parse((String) old.get("expires_at"));
        assertTrue(Duration.between(Instant.now(), oldExpires).toMinutes() >= 58, "grace of an hour: " + oldExpires);
        // default grace is seven days; a rotated key cannot be rotated again
        given().auth().oauth2(token).post("/auth/api-keys/" + id + "/rotate").then().statusCode(404);
        var second = given().auth().oauth2(token).post("/auth/api-keys/" + rotated.<String>path("id") + "/rotate")
                .then().statusCode(200).extract();
        List<Map<String, Object>> after = given().auth().oauth2(token).get("/auth/api-keys").then().extract()
                .jsonPath().getList("$");
        Map<String, Object> previous = after.stream().filter(k -> rotated.path("id").equals(k.get("id"))).findFirst()
                .orElseThrow();
        long days = Duration.between(Instant.now(), Instant.parse((String) previous.get("expires_at"))).toHours();
        assertTrue(days >= 7 * 24 - 1 && days <= 7 * 24, "default grace 7 days: " + days + " h");
        assertEquals(second.path("id"), previous.get("replaced_by"));
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("grace_period_seconds", -5))
                .post("/auth/api-keys/" + second.<String>path("id") + "/rotate").then().statusCode(400);
    }

    @Test
    void zeroGraceEndsTheOldKeyAtOnce() {
        var u = TestUsers.create();
        String token = login(u);
        String id = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "k"))
                .post("/auth/api-keys").then().extract().path("id");
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("grace_period_seconds", 0))
                .post("/auth/api-keys/" + id + "/rotate").then().statusCode(200);
        given().auth().oauth2(token).get("/auth/api-keys").then().statusCode(200).body("id", not(hasItem(id)));
    }

    @Test
    void revocationEndpointRevokesPatsAndApiKeys() {
        var u = TestUsers.create();
        String token = login(u);
        var pat = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "p"))
                .post("/auth/tokens").then().extract();
        var c = TestClients.client().register();
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("token", pat.<String>path("token"))
                .post("/oauth/revoke").then().statusCode(200);
        given().auth().oauth2(token).get("/auth/tokens").then().body("id", not(hasItem(pat.<String>path("id"))));
        assertTrue(redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, pat.path("id")).isPresent());
    }
}
