package dev.forgeauth.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.core.jwt.JwtVerifier;
import dev.forgeauth.core.revocation.RevocationKeys;
import dev.forgeauth.core.token.OpaqueTokens;
import dev.forgeauth.gateway.support.UpstreamServer;
import dev.forgeauth.testing.TestKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A revocation evicts only what it names (issue 21 point 1): the opaque-credential cache is no longer
 * emptied by every revocation, a cut-off refuses the cached credentials it covers without a flush, and
 * the verified-JWT cache is not scanned per revocation.
 */
@QuarkusTest
class RevocationEvictionTest {

    @Inject
    RedisDataSource redis;

    @Inject
    JwtVerifier verifier;

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    /** Announces a revocation the way the auth-service does (stored, then published). */
    void announce(JsonObject message) {
        if ("token".equals(message.getString("t"))) {
            redis.sortedSet(String.class).zadd(RevocationKeys.TOKENS, message.getLong("exp"), message.getString("id"));
        }
        redis.pubsub(String.class).publish(RevocationKeys.CHANNEL, message.encode());
    }

    static int statusWithin1s(String credential, int expected) {
        long deadline = System.nanoTime() + 1_000_000_000L;
        int status;
        do {
            status = given().auth().oauth2(credential).get("/api/v1/deployments").statusCode();
        } while (status != expected && System.nanoTime() < deadline);
        return status;
    }

    static int introspections(String credential) {
        return UpstreamServer.INTROSPECTIONS.get(credential).get();
    }

    @Test
    void revocationOfOneOpaqueCredentialKeepsTheOthersCached() {
        String revoked = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        String kept = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        for (String c : List.of(revoked, kept)) {
            given().auth().oauth2(c).get("/api/v1/deployments").then().statusCode(200);
            assertEquals(1, introspections(c));
        }
        announce(new JsonObject().put("t", "token").put("id", "id-" + revoked).put("exp", now() + 120));

        // the stand-in introspection still calls it active: only the revocation can refuse it
        assertEquals(401, statusWithin1s(revoked, 401), "revoked credential refused at once");
        given().auth().oauth2(kept).get("/api/v1/deployments").then().statusCode(200);
        assertEquals(1, introspections(kept), "the other credential was answered from the cache (was: flushed)");
    }

    @Test
    void cutOffRefusesTheCachedCredentialsItCoversWithoutAFlush() {
        String covered = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        String other = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        UpstreamServer.SUBJECT.put(covered, "sub-" + covered);
        for (String c : List.of(covered, other)) {
            given().auth().oauth2(c).get("/api/v1/deployments").then().statusCode(200);
        }
        announce(new JsonObject().put("t", "subject").put("id", "sub-" + covered).put("nbf", now() + 1));

        assertEquals(401, statusWithin1s(covered, 401), "cut-off subject's cached credential refused");
        assertEquals(1, introspections(covered), "refused from the cache's revocation check, no new call");
        given().auth().oauth2(other).get("/api/v1/deployments").then().statusCode(200);
        assertEquals(1, introspections(other), "another subject's credential stays cached");
    }

    @Test
    void jwtRevocationEvictsOneEntryWithoutScanningTheCache() throws Exception {
        List<TestKeys.Builder> tokens = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            TestKeys.Builder b = TestKeys.token().scope("deployment:read");
            tokens.add(b);
            values.add(b.build());
        }
        for (String t : values) {
            verifier.verify(t).await().indefinitely();
        }
        long cached = verifier.cachedCount();
        assertTrue(cached >= 1000, "cached " + cached);

        verifier.evictJti(tokens.get(0).jti());
        assertNull(verifier.cached(values.get(0)), "the named token is gone");
        assertNotNull(verifier.cached(values.get(1)), "the others stay");

        // a revoke loop's worth of announcements about other tokens: the old scan visited every cached
        // entry per announcement (here 10^9 visits, seconds); a lookup per announcement is milliseconds
        long t0 = System.nanoTime();
        for (int i = 0; i < 1_000_000; i++) {
            verifier.evictJti("other-" + i);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1500, "1,000,000 evictions of unknown ids took " + ms + " ms");
        assertNotNull(verifier.cached(values.get(999)));
    }
}
