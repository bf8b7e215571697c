package dev.forgeauth.introspection;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.aMapWithSize;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.forgeauth.core.crypto.Kek;
import dev.forgeauth.core.revocation.RevocationKeys;
import dev.forgeauth.core.token.OpaqueTokens;
import dev.forgeauth.introspection.support.TestCallers;
import dev.forgeauth.testing.ForgeInfraResource;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Opaque credentials as the auth-service stores them (rows in its schema), introspected. */
@QuarkusTest
class PersonalTokenIntrospectionTest {

    @Inject
    Pool pool;

    @Inject
    RedisDataSource redis;

    record Stored(UUID id, UUID userId, String value) {
    }

    Stored store(String kind, String prefix, OffsetDateTime expires) {
        UUID user = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO app_user (id, email, password_hash, scopes) VALUES ($1, $2, 'x', $3)")
                .execute(Tuple.of(user, user + "@example.com", new String[] {"deployment:read", "deployment:write"}))
                .await().indefinitely();
        String value = OpaqueTokens.generate(prefix);
        UUID id = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO personal_token (id, kind, user_id, name, token_hash, scopes, expires_at) "
                        + "VALUES ($1, $2, $3, 'n', $4, $5, $6)")
                .execute(Tuple.from(new Object[] {id, kind, user,
                        new Kek(ForgeInfraResource.TEST_KEK).secretHasher().hash(value), new String[] {"deployment:read"},
                        expires}))
                .await().indefinitely();
        return new Stored(id, user, value);
    }

    io.restassured.response.ValidatableResponse introspect(String token) {
        var caller = TestCallers.register(pool, "introspect");
        return given().auth().preemptive().basic(caller.id(), caller.secret()).header("X-Forwarded-For", "203.0.113.7")
                .formParam("token", token).post("/oauth/introspect").then().statusCode(200);
    }

    @Test
    void patIsActiveWithItsKindAndItsUseIsRecorded() throws Exception {
        Stored pat = store("pat", OpaqueTokens.PAT, OffsetDateTime.now().plusDays(30));
        introspect(pat.value()).body("active", equalTo(true)).body("forge_token_kind", equalTo("pat"))
                .body("sub", equalTo(pat.userId().toString())).body("scope", equalTo("deployment:read"))
                .body("token_type", equalTo("Bearer"));
        // last_used_at lands in a batch, not per request
        OffsetDateTime used = null;
        String ip = null;
        for (int i = 0; i < 50 && used == null; i++) {
            Thread.sleep(100);
            Row r = pool.preparedQuery("SELECT last_used_at, last_used_ip FROM personal_token WHERE id = $1")
                    .execute(Tuple.of(pat.id())).await().indefinitely().iterator().next();
            used = r.getOffsetDateTime("last_used_at");
            ip = r.getString("last_used_ip");
        }
        assertNotNull(used);
        assertEquals("203.0.113.7", ip);
    }

    @Test
    void opaqueAnswersCarryTheIdTheirRevocationIsAnnouncedUnder() {
        // the gateway indexes its cache by it, so a revocation evicts one entry instead of all of them
        Stored pat = store("pat", OpaqueTokens.PAT, OffsetDateTime.now().plusDays(30));
        introspect(pat.value()).body("active", equalTo(true)).body("jti", equalTo(pat.id().toString()));
        Stored key = store("api_key", OpaqueTokens.API_KEY, null);
        introspect(key.value()).body("active", equalTo(true)).body("jti", equalTo(key.id().toString()));
    }

    @Test
    void apiKeyActiveUntilItsExpiry() {
        Stored key = store("api_key", OpaqueTokens.API_KEY, null);
        introspect(key.value()).body("active", equalTo(true)).body("forge_token_kind", equalTo("api_key"));
        Stored expired = store("api_key", OpaqueTokens.API_KEY, OffsetDateTime.now().minusSeconds(1));
        introspect(expired.value()).body("$", aMapWithSize(1)).body("active", equalTo(false));
        // a PAT value presented as an API key kind does not cross over
        Stored pat = store("pat", OpaqueTokens.PAT, OffsetDateTime.now().plusDays(1));
        introspect("sk_live_" + pat.value().substring(6)).body("active", equalTo(false));
    }

    @Test
    void revokedThroughTheFeedEvenWhileCached() throws Exception {
        Stored pat = store("pat", OpaqueTokens.PAT, OffsetDateTime.now().plusDays(30));
        introspect(pat.value()).body("active", equalTo(true)); // now in the Redis cache
        long exp = System.currentTimeMillis() / 1000 + 3600;
        redis.sortedSet(String.class).zadd(RevocationKeys.TOKENS, exp, pat.id().toString());
        redis.pubsub(String.class).publish(RevocationKeys.CHANNEL,
                new JsonObject().put("t", "token").put("id", pat.id().toString()).put("exp", exp).encode());
        boolean active = true;
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (active && System.nanoTime() < deadline) {
            active = introspect(pat.value()).extract().path("active");
        }
        assertEquals(false, active);
    }
}
