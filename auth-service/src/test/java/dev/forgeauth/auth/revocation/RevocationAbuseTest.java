package dev.forgeauth.auth.revocation;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.auth.support.TestUsers;
import dev.forgeauth.core.revocation.RevocationKeys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.pubsub.PubSubCommands;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 1 and the revocation half of point 4: revocation records live no longer than needed,
 * are pruned on a timer, announcing survives a failed Redis write, and the operations that leave
 * records behind are rate-limited (429 JSON with Retry-After), without one caller spending another's
 * budget. Against the real PostgreSQL and Redis.
 */
@QuarkusTest
class RevocationAbuseTest {

    /** forge.revocation.opaque-cache-ttl + margin (defaults 30 s + 60 s). */
    static final long OPAQUE_RECORD_SECONDS = 90;
    static final long SLACK = 5;

    @Inject
    RedisDataSource redis;

    @Inject
    Pool pool;

    static String login(TestUsers.Created u) {
        return TestUsers.login(u).path("access_token");
    }

    static long now() {
        return System.currentTimeMillis() / 1000;
    }

    long pgExpiry(String tokenId) {
        var rs = pool.preparedQuery("SELECT expires_at FROM revoked_token WHERE token_id = $1")
                .execute(Tuple.of(tokenId)).await().indefinitely();
        assertTrue(rs.iterator().hasNext(), "a revocation record for " + tokenId + " in PostgreSQL");
        Row r = rs.iterator().next();
        OffsetDateTime exp = r.getOffsetDateTime("expires_at");
        return exp.toEpochSecond();
    }

    long redisScore(String tokenId) {
        OptionalDouble score = redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, tokenId);
        assertTrue(score.isPresent(), "a revocation record for " + tokenId + " in Redis");
        return (long) score.getAsDouble();
    }

    @Test
    void deletedApiKeyWithoutExpiryIsRecordedOnlyUntilEveryCacheHasExpired() {
        var u = TestUsers.create();
        String token = login(u);
        String id = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "k"))
                .post("/auth/api-keys").then().statusCode(201).extract().path("id");
        long before = now();
        given().auth().oauth2(token).delete("/auth/api-keys/" + id).then().statusCode(204);
        // was: now + 3650 days, in every instance's heap and reloaded after every restart
        for (long exp : new long[] {pgExpiry(id), redisScore(id)}) {
            assertTrue(exp >= before + OPAQUE_RECORD_SECONDS - SLACK && exp <= now() + OPAQUE_RECORD_SECONDS + SLACK,
                    "record kept " + (exp - before) + " s; expected about " + OPAQUE_RECORD_SECONDS + " s");
        }
    }

    @Test
    void revokedPatIsRecordedNoLongerThanTheCachesOrItsOwnExpiry() {
        var u = TestUsers.create();
        String token = login(u);
        var created = given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("name", "p", "expires_in_days", 90)).post("/auth/tokens").then().statusCode(201).extract();
        String value = created.path("token");
        String id = created.path("id");
        var c = TestClients.client().register();
        long before = now();
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("token", value).post("/oauth/revoke")
                .then().statusCode(200);
        long exp = redisScore(id);
        assertTrue(exp <= now() + OPAQUE_RECORD_SECONDS + SLACK, "record kept " + (exp - before) + " s, not 90 days");
        assertEquals(exp, pgExpiry(id));
    }

    @Test
    void revokedJwtIsRecordedUntilItsExpPlusTheMargin() throws Exception {
        var c = TestClients.client().register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("token", token).post("/oauth/revoke")
                .then().statusCode(200);
        var claims = SignedJWT.parse(token).getJWTClaimsSet();
        long exp = claims.getExpirationTime().getTime() / 1000 + 60; // forge.revocation.margin
        assertEquals(exp, redisScore(claims.getJWTID()));
        assertEquals(exp, pgExpiry(claims.getJWTID()));
    }

    @Test
    void endedSessionIsRecordedOnlyAsLongAsTokensCarryingItsSidLive() {
        var u = TestUsers.create();
        var login = TestUsers.login(u);
        String token = login.path("access_token");
        List<Map<String, Object>> sessions = given().auth().oauth2(token).get("/auth/sessions").then().statusCode(200)
                .extract().path("$");
        String sessionId = (String) sessions.get(0).get("id");
        given().auth().oauth2(token).post("/auth/logout").then().statusCode(204);
        // the longest access-token lifetime (forge.token.max-ttl, a day) plus the margin, not the
        // session's 30 days
        long exp = pgExpiry(sessionId);
        assertTrue(exp <= now() + 86400 + 60 + SLACK, "session revocation kept " + (exp - now()) + " s");
        assertEquals(exp, redisScore(sessionId));
    }

    @Test
    void expiredRevocationsArePrunedFromRedisAndPostgresOnATimer() throws Exception {
        String stale = "stale-" + UUID.randomUUID();
        long longAgo = now() - 7200;
        // as a revoke loop leaves them behind: expired records nobody would ever re-seed away
        pool.preparedQuery("INSERT INTO revoked_token (token_id, kind, expires_at) VALUES ($1, 'jwt', $2)")
                .execute(Tuple.of(stale, OffsetDateTime.now().minusHours(2))).await().indefinitely();
        redis.sortedSet(String.class).zadd(RevocationKeys.TOKENS, longAgo, stale);
        String live = "live-" + UUID.randomUUID();
        redis.sortedSet(String.class).zadd(RevocationKeys.TOKENS, now() + 3600, live);

        await("the expired record leaves Redis and PostgreSQL", Duration.ofSeconds(10), () ->
                redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, stale).isEmpty()
                        && pool.preparedQuery("SELECT count(*) FROM revoked_token WHERE token_id = $1")
                                .execute(Tuple.of(stale)).await().indefinitely().iterator().next().getLong(0) == 0);
        assertTrue(redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, live).isPresent(),
                "a record still in force stays");
        redis.sortedSet(String.class).zrem(RevocationKeys.TOKENS, live);
    }

    @Test
    void revocationIsAnnouncedEvenWhenTheRedisWriteFailsAndStoredWhenRedisRecovers() throws Exception {
        var c = TestClients.client().scope("admin").register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        String jti = SignedJWT.parse(token).getJWTClaimsSet().getJWTID();
        List<String> heard = new CopyOnWriteArrayList<>();
        PubSubCommands.RedisSubscriber sub = redis.pubsub(String.class).subscribe(List.of(RevocationKeys.CHANNEL),
                heard::add);
        try {
            // ZADD now fails (WRONGTYPE) while PUBLISH still works: a write failure that is not an outage
            redis.key().del(RevocationKeys.TOKENS);
            redis.value(String.class).set(RevocationKeys.TOKENS, "not a sorted set");

            given().auth().preemptive().basic(c.id(), c.secret()).formParam("token", token).post("/oauth/revoke")
                    .then().statusCode(200);

            await("the revocation is announced despite the failed ZADD", Duration.ofSeconds(5),
                    () -> heard.stream().anyMatch(m -> m.contains(jti)));
            assertEquals(1L, pool.preparedQuery("SELECT count(*) FROM revoked_token WHERE token_id = $1")
                    .execute(Tuple.of(jti)).await().indefinitely().iterator().next().getLong(0), "durable in PostgreSQL");
            given().auth().oauth2(token).get("/admin/keys").then().statusCode(401);
        } finally {
            // Redis writable again: the next sync re-seeds the set from PostgreSQL and announces a reload
            redis.key().del(RevocationKeys.TOKENS);
        }
        await("the revocation is written to Redis once it accepts writes again", Duration.ofSeconds(10),
                () -> redis.sortedSet(String.class).zscore(RevocationKeys.TOKENS, jti).isPresent());
        await("and a reload is announced", Duration.ofSeconds(5),
                () -> heard.stream().anyMatch(m -> m.contains("reload")));
        sub.unsubscribe();
    }

    @Test
    void credentialChangesAreLimitedPerUser() {
        var u = TestUsers.create();
        var other = TestUsers.create();
        String token = login(u);
        String otherToken = login(other);
        // the user has used up all but one change of this window (default limit 60)
        String key = "forge:limit:credential:user:" + u.id();
        redis.value(Long.class).setex(key, 60, 59L);
        String id = given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "k"))
                .post("/auth/api-keys").then().statusCode(201).extract().path("id");
        for (var refused : List.of(
                given().auth().oauth2(token).delete("/auth/api-keys/" + id),
                given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", "p")).post("/auth/tokens"),
                given().auth().oauth2(token).post("/auth/api-keys/" + id + "/rotate"))) {
            refused.then().statusCode(429).contentType(ContentType.JSON)
                    .header("Retry-After", notNullValue())
                    .body("error", equalTo("too_many_requests"))
                    .body("error_description", notNullValue());
            long retry = Long.parseLong(refused.header("Retry-After"));
            assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
        }
        // listing is not a change, and another user is not affected
        given().auth().oauth2(token).get("/auth/api-keys").then().statusCode(200);
        given().auth().oauth2(otherToken).contentType(ContentType.JSON).body(Map.of("name", "k"))
                .post("/auth/api-keys").then().statusCode(201);
        // a new window: allowed again
        redis.key().del(key);
        given().auth().oauth2(token).delete("/auth/api-keys/" + id).then().statusCode(204);
    }

    @Test
    void revocationRequestsAreLimitedPerClient() {
        var c = TestClients.client().register();
        var other = TestClients.client().register();
        redis.value(Long.class).setex("forge:limit:revoke:client:" + c.id(), 60, 1199L);
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("token", "x").post("/oauth/revoke")
                .then().statusCode(200);
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("token", "x").post("/oauth/revoke")
                .then().statusCode(429).contentType(ContentType.JSON).header("Retry-After", notNullValue())
                .body("error", equalTo("too_many_requests"));
        given().auth().preemptive().basic(other.id(), other.secret()).formParam("token", "x").post("/oauth/revoke")
                .then().statusCode(200);
        // a failed client authentication spends nothing of the client's budget (it is counted after it)
        redis.key().del("forge:limit:revoke:client:" + other.id());
        given().auth().preemptive().basic(other.id(), "wrong").formParam("token", "x").post("/oauth/revoke")
                .then().statusCode(401);
        assertFalse(redis.key().exists("forge:limit:revoke:client:" + other.id()));
    }

    @Test
    void publicClientRevocationBudgetIsPerAddress() {
        var pub = TestClients.client().publicClient().register();
        // someone elsewhere used up the public client's budget: it is theirs alone
        redis.value(Long.class).setex("forge:limit:revoke:client:" + pub.id() + "@10.9.9.9", 60, 5000L);
        redis.value(Long.class).setex("forge:limit:revoke:client:" + pub.id(), 60, 5000L);
        given().formParam("client_id", pub.id()).formParam("token", "x").post("/oauth/revoke").then().statusCode(200);
    }

    @Test
    void adminCutOffsAreLimitedPerClient() {
        var admin = TestClients.client().scope("admin").register();
        String token = TestTokens.clientCredentials(admin.id(), admin.secret(), "admin");
        redis.value(Long.class).setex("forge:limit:revoke:client:" + admin.id(), 60, 1200L);
        given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("subject", "s-" + UUID.randomUUID()))
                .post("/admin/revocations").then().statusCode(429).header("Retry-After", notNullValue())
                .body("error", equalTo("too_many_requests"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("subject", "s-" + UUID.randomUUID())).post("/admin/revocations").then().statusCode(200);
    }

    static void await(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }
}
