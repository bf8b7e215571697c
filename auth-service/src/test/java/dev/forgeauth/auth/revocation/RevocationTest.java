package dev.forgeauth.auth.revocation;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.core.revocation.RevocationKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RFC 7009 revocation: durable in PostgreSQL, pushed to Redis, effective on this service's own API. */
@QuarkusTest
class RevocationTest {

    @Inject
    RedisDataSource redis;

    @Inject
    Pool pool;

    @Inject
    RevocationStore store;

    static io.restassured.response.ValidatableResponse revoke(String id, String secret, String token) {
        var req = given().auth().preemptive().basic(id, secret);
        if (token != null) {
            req = req.formParam("token", token);
        }
        return req.post("/oauth/revoke").then();
    }

    @Test
    void whenClientRevokesItsOwnTokenThenItStopsWorking() throws Exception {
        var c = TestClients.client().scope("admin").register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        given().auth().oauth2(token).get("/admin/keys").then().statusCode(200);

        revoke(c.id(), c.secret(), token).statusCode(200).header("Cache-Control", "no-store");

        given().auth().oauth2(token).get("/admin/keys").then().statusCode(401)
                .body("error", equalTo("invalid_token"));
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        // durable...
        long rows = pool.preparedQuery("SELECT count(*) FROM revoked_token WHERE token_id = $1")
                .execute(Tuple.of(jti)).await().indefinitely().iterator().next().getLong(0);
        assertEquals(1, rows);
        // ...and shared, expiring with the token (plus forge.revocation.margin, 60 s: verifiers allow a skew)
        java.util.OptionalDouble score = redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, jti);
        assertTrue(score.isPresent());
        assertEquals(SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().getTime() / 1000 + 60,
                (long) score.getAsDouble());
        // revoking twice is fine
        revoke(c.id(), c.secret(), token).statusCode(200);
    }

    @Test
    void whenClientRevokesAnotherClientsTokenThenRefused() {
        var owner = TestClients.client().register();
        var other = TestClients.client().register();
        String token = TestTokens.clientCredentials(owner.id(), owner.secret(), null);
        revoke(other.id(), other.secret(), token).statusCode(400).body("error", equalTo("unauthorized_client"));
    }

    @Test
    void adminClientMayRevokeAnyToken() throws Exception {
        var owner = TestClients.client().register();
        String token = TestTokens.clientCredentials(owner.id(), owner.secret(), null);
        revoke(TestClients.ADMIN_ID, TestClients.ADMIN_SECRET, token).statusCode(200);
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        assertTrue(redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, jti).isPresent());
    }

    @Test
    void unknownAndMalformedTokensAnswer200() {
        var c = TestClients.client().register();
        revoke(c.id(), c.secret(), "no-such-token").statusCode(200);
        revoke(c.id(), c.secret(), "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.").statusCode(200);
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("token", "x")
                .formParam("token_type_hint", "something_else").post("/oauth/revoke").then().statusCode(200);
    }

    @Test
    void badRequestsAreRefused() {
        var c = TestClients.client().register();
        revoke(c.id(), c.secret(), null).statusCode(400).body("error", equalTo("invalid_request"));
        given().formParam("token", "x").post("/oauth/revoke").then().statusCode(401).body("error", equalTo("invalid_client"));
        revoke(c.id(), "wrong", "x").statusCode(401).body("error", equalTo("invalid_client"));
        given().auth().preemptive().basic(c.id(), c.secret()).contentType(ContentType.JSON).body("{\"token\":\"x\"}")
                .post("/oauth/revoke").then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().preemptive().basic(c.id(), c.secret()).contentType("application/x-www-form-urlencoded")
                .body("token=a&token=b").post("/oauth/revoke").then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void clientCutOffRevokesEverythingIssuedBefore() throws Exception {
        var c = TestClients.client().scope("admin").register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        long iat = SignedJWT.parse(token).getJWTClaimsSet().getIssueTime().getTime() / 1000;
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("client_id", c.id(), "not_before", iat + 1)).post("/admin/revocations")
                .then().statusCode(200).body("not_before", equalTo((int) (iat + 1)));
        given().auth().oauth2(token).get("/admin/keys").then().statusCode(401);
        assertEquals(iat + 1, redis.hash(Long.class).hget(RevocationKeys.CUTOFF_CLIENT, c.id()));
        // others are untouched
        given().auth().oauth2(TestTokens.admin()).get("/admin/keys").then().statusCode(200);
    }

    @Test
    void cutOffInputIsValidated() {
        String admin = TestTokens.admin();
        for (String bad : new String[] {"{}", "{\"client_id\":\"a\",\"subject\":\"b\"}", "{\"client_id\":5}",
                "{\"subject\":\"x\",\"not_before\":\"soon\"}", "[]", "{\"client_id\":\"\"}"}) {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body(bad).post("/admin/revocations")
                    .then().statusCode(400).body("error", equalTo("invalid_request"));
        }
    }

    @Test
    void deletingAClientRevokesItsTokens() {
        var c = TestClients.client().scope("admin").register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        given().auth().oauth2(TestTokens.admin()).delete("/admin/clients/" + c.id()).then().statusCode(204);
        assertNotNull(redis.hash(Long.class).hget(RevocationKeys.CUTOFF_CLIENT, c.id()));
        given().auth().oauth2(token).get("/admin/keys").then().statusCode(401);
    }

    @Test
    void redisThatLostItsDataIsReseededFromPostgres() throws Exception {
        var c = TestClients.client().register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        revoke(c.id(), c.secret(), token).statusCode(200);
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        // what a Redis restart without persistence looks like to us
        String marker = store.marker().await().indefinitely();
        redis.key().del(RevocationKeys.TOKENS, RevocationKeys.CUTOFF_CLIENT, RevocationKeys.CUTOFF_SUBJECT, marker);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean back = false;
        boolean marked = false;
        while (System.nanoTime() < deadline && !(back && marked)) {
            Thread.sleep(100);
            back = redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, jti).isPresent();
            marked = redis.key().exists(marker); // set last, once the whole list is back
        }
        assertTrue(back, "re-seeded from PostgreSQL");
        assertTrue(marked, "seed marker set again");
    }

    @Test
    void discoveryListsRevocationAndIntrospection() {
        given().get("/.well-known/oauth-authorization-server").then().statusCode(200)
                .body("revocation_endpoint", equalTo("http://localhost:8080/oauth/revoke"))
                .body("introspection_endpoint", equalTo("http://localhost:8080/oauth/introspect"));
    }
}
