package dev.forgeauth.introspection;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.core.revocation.RevocationKeys;
import dev.forgeauth.testing.JwksServer;
import dev.forgeauth.introspection.support.TestCallers;
import dev.forgeauth.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** RFC 7662 against real PostgreSQL and Redis, with tokens from a JWKS server the test controls. */
@QuarkusTest
class IntrospectionTest {

    @Inject
    Pool pool;

    @Inject
    RedisDataSource redis;

    TestCallers.Registered caller;

    @BeforeEach
    void registerCaller() {
        caller = TestCallers.register(pool, "introspect");
    }

    ValidatableResponse introspect(String token) {
        return given().auth().preemptive().basic(caller.id(), caller.secret())
                .formParam("token", token).post("/oauth/introspect").then();
    }

    void assertInactive(String token) {
        introspect(token).statusCode(200).header("Cache-Control", "no-store")
                .body("$", aMapWithSize(1)).body("active", equalTo(false));
    }

    @Test
    void activeRs256TokenHasEveryField() {
        var b = TestKeys.token().scope("deployment:read deployment:write").subject("svc-a").clientId("svc-a");
        introspect(b.build()).statusCode(200)
                .header("Cache-Control", "no-store")
                .body("active", equalTo(true))
                .body("scope", equalTo("deployment:read deployment:write"))
                .body("client_id", equalTo("svc-a"))
                .body("sub", equalTo("svc-a"))
                .body("jti", equalTo(b.jti()))
                .body("iss", equalTo(TestKeys.ISSUER))
                .body("aud", equalTo(TestKeys.AUDIENCE))
                .body("token_type", equalTo("Bearer"))
                .body("forge_token_kind", equalTo("jwt"));
    }

    @Test
    void activeEs256Token() {
        introspect(TestKeys.token().es256().build()).statusCode(200).body("active", equalTo(true));
    }

    @Test
    void presentedAgainIsServedFromTheVerifiedCache() {
        String token = TestKeys.token().build();
        for (int i = 0; i < 3; i++) {
            introspect(token).statusCode(200).body("active", equalTo(true));
        }
    }

    @Test
    void forgedAndInvalidTokensAreInactive() {
        long now = System.currentTimeMillis() / 1000;
        assertInactive(TestKeys.token().buildUnsigned());
        assertInactive(TestKeys.token().buildHs256WithPublicKey());
        assertInactive(TestKeys.token().signedByStranger().build());
        assertInactive(TestKeys.token().issuer("https://evil.example").build());
        assertInactive(TestKeys.token().audience("another-api").build());
        assertInactive(TestKeys.token().issuedAt(now - 7200).expiresAt(now - 3600).build());
        assertInactive(TestKeys.token().notBefore(now + 3600).build());
        assertInactive(TestKeys.token().typ("JWT").build());
        assertInactive(TestKeys.token().typ(null).build());
        assertInactive(TestKeys.token().kid("no-such-kid").build());
        assertInactive("not-a-token");
        assertInactive("eyJ.eyJ.");
        assertInactive("dfpat_unknownkind0000000000000000");
        assertInactive("a".repeat(9000));
    }

    @Test
    void revokedTokenIsInactiveWithinASecond() throws Exception {
        var b = TestKeys.token();
        String token = b.build();
        introspect(token).body("active", equalTo(true));
        // what the auth-service does on revocation: store in Redis, then publish
        long exp = System.currentTimeMillis() / 1000 + 600;
        redis.sortedSet(String.class).zadd(RevocationKeys.TOKENS, exp, b.jti());
        redis.pubsub(String.class).publish(RevocationKeys.CHANNEL,
                new JsonObject().put("t", "token").put("id", b.jti()).put("exp", exp).encode());
        awaitInactive(token);
    }

    @Test
    void clientCutOffRevokesOlderTokensOnly() throws Exception {
        String client = "svc-" + UUID.randomUUID();
        long now = System.currentTimeMillis() / 1000;
        String old = TestKeys.token().subject(client).clientId(client).issuedAt(now - 100).build();
        String fresh = TestKeys.token().subject(client).clientId(client).issuedAt(now).build();
        redis.hash(Long.class).hset(RevocationKeys.CUTOFF_CLIENT, client, now - 10);
        redis.pubsub(String.class).publish(RevocationKeys.CHANNEL,
                new JsonObject().put("t", "client").put("id", client).put("nbf", now - 10).encode());
        awaitInactive(old);
        introspect(fresh).body("active", equalTo(true));
    }

    void awaitInactive(String token) throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        boolean active = true;
        while (active && System.nanoTime() < deadline) {
            active = introspect(token).extract().path("active");
            if (active) {
                Thread.sleep(10);
            }
        }
        assertEquals(false, active, "inactive within 1 s");
    }

    @Test
    void unknownKidFloodCostsAtMostOneFetchPerInterval() {
        int before = JwksServer.FETCHES.get();
        for (int i = 0; i < 50; i++) {
            assertInactive(TestKeys.token().kid("random-" + UUID.randomUUID()).build());
        }
        int fetches = JwksServer.FETCHES.get() - before;
        assertTrue(fetches <= 2, "JWKS fetched " + fetches + " times for 50 unknown kids");
        // and the known keys still work
        introspect(TestKeys.token().build()).body("active", equalTo(true));
    }

    @Test
    void bearerCallerWithIntrospectScope() {
        String callerToken = TestKeys.token().scope("introspect").build();
        given().auth().oauth2(callerToken).formParam("token", TestKeys.token().build()).post("/oauth/introspect")
                .then().statusCode(200).body("active", equalTo(true));
    }

    @Test
    void bearerCallerWithoutScopeIsForbidden() {
        String callerToken = TestKeys.token().scope("deployment:read").build();
        given().auth().oauth2(callerToken).formParam("token", "x").post("/oauth/introspect")
                .then().statusCode(403).body("error", equalTo("insufficient_scope"))
                .header("WWW-Authenticate", containsString("insufficient_scope"));
    }

    @Test
    void forgedBearerCallerIsUnauthorized() {
        given().auth().oauth2(TestKeys.token().scope("introspect").signedByStranger().build())
                .formParam("token", "x").post("/oauth/introspect")
                .then().statusCode(401).body("error", equalTo("invalid_token"));
    }

    @Test
    void callerAuthenticationFailures() {
        given().formParam("token", "x").post("/oauth/introspect").then().statusCode(401)
                .body("error", equalTo("invalid_client"));
        given().auth().preemptive().basic(caller.id(), "wrong").formParam("token", "x").post("/oauth/introspect")
                .then().statusCode(401).body("error", equalTo("invalid_client"))
                .header("WWW-Authenticate", containsString("Basic"));
        given().auth().preemptive().basic("nobody-" + UUID.randomUUID(), "x").formParam("token", "x")
                .post("/oauth/introspect").then().statusCode(401);
        var noScope = TestCallers.register(pool, "deployment:read");
        given().auth().preemptive().basic(noScope.id(), noScope.secret()).formParam("token", "x")
                .post("/oauth/introspect").then().statusCode(403);
    }

    @Test
    void malformedRequests() {
        given().auth().preemptive().basic(caller.id(), caller.secret()).post("/oauth/introspect")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().preemptive().basic(caller.id(), caller.secret()).contentType(ContentType.JSON)
                .body("{\"token\":\"x\"}").post("/oauth/introspect")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().preemptive().basic(caller.id(), caller.secret())
                .contentType("application/x-www-form-urlencoded").body("token=a&token=b").post("/oauth/introspect")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().preemptive().basic(caller.id(), caller.secret())
                .contentType("application/x-www-form-urlencoded").body("token=%zz").post("/oauth/introspect")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().get("/oauth/introspect").then().statusCode(405).body("error", equalTo("method_not_allowed"));
        given().auth().preemptive().basic(caller.id(), caller.secret())
                .contentType("application/x-www-form-urlencoded").body("token=" + "a".repeat(70_000))
                .post("/oauth/introspect").then().statusCode(413).body("error", equalTo("request_too_large"));
    }

    @Test
    void readinessReportsTheRevocationFeed() {
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'token-verification' }.data.revocation_feed", equalTo("live"));
    }
}
