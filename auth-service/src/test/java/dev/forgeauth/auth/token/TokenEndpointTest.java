package dev.forgeauth.auth.token;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forgeauth.auth.support.TestClients;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token endpoint with the client_credentials grant, and every way a request can be wrong. */
@QuarkusTest
class TokenEndpointTest {

    @jakarta.inject.Inject
    io.quarkus.redis.datasource.RedisDataSource redis;

    private static ValidatableResponse rawToken(String contentType, String authorization, String body) {
        var req = given().contentType(contentType).body(body);
        if (authorization != null) {
            req = req.header("Authorization", authorization);
        }
        return req.when().post("/oauth/token").then();
    }

    private static String basic(String id, String secret) {
        return "Basic " + Base64.getEncoder().encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
    }

    private static final String FORM = "application/x-www-form-urlencoded";

    @Test
    void whenClientSecretBasicThenTokenIssued() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials")
                .statusCode(200)
                .header("Cache-Control", "no-store")
                .header("Pragma", "no-cache")
                .body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(3600))
                .body("scope", equalTo("deployment:read deployment:write"))
                .body("access_token", notNullValue())
                .body("refresh_token", nullValue());
    }

    @Test
    void whenClientSecretPostThenTokenIssued() {
        var c = TestClients.client().set("token_endpoint_auth_method", "client_secret_post").register();
        rawToken(FORM, null, "grant_type=client_credentials&client_id=" + c.id() + "&client_secret=" + c.secret()
                + "&scope=deployment%3Aread")
                .statusCode(200)
                .body("scope", equalTo("deployment:read"));
    }

    @Test
    void whenSubsetOfScopeRequestedThenOnlyThatIsGranted() {
        var c = TestClients.client().scope("a b c").register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&scope=c+a")
                .statusCode(200).body("scope", equalTo("c a"));
    }

    @Test
    void whenScopeOutsideClientsThenInvalidScope() {
        var c = TestClients.client().scope("deployment:read").register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&scope=deployment:read+admin")
                .statusCode(400).body("error", equalTo("invalid_scope"))
                .body("error_description", containsString("admin"))
                .header("Cache-Control", "no-store");
    }

    @Test
    void whenScopeMalformedThenInvalidScope() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&scope=a%22b")
                .statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void whenWrongSecretWithBasicThenInvalidClientWithBasicChallenge() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), "wrong"), "grant_type=client_credentials")
                .statusCode(401)
                .header("WWW-Authenticate", containsString("Basic"))
                .body("error", equalTo("invalid_client"))
                .body("error_description", notNullValue());
    }

    @Test
    void whenUnknownClientThenInvalidClient() {
        rawToken(FORM, basic("no-such-client-" + System.nanoTime(), "x"), "grant_type=client_credentials")
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void whenWrongSecretWithPostThenInvalidClient() {
        var c = TestClients.client().set("token_endpoint_auth_method", "client_secret_post").register();
        rawToken(FORM, null, "grant_type=client_credentials&client_id=" + c.id() + "&client_secret=nope")
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void whenNoClientAuthenticationThenInvalidClient() {
        rawToken(FORM, null, "grant_type=client_credentials")
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void whenMalformedBasicHeaderThenInvalidClient() {
        rawToken(FORM, "Basic !!!not-base64", "grant_type=client_credentials")
                .statusCode(401).body("error", equalTo("invalid_client"));
        rawToken(FORM, "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes()), "grant_type=client_credentials")
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void whenTwoAuthenticationMethodsThenInvalidRequest() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&client_secret=" + c.secret())
                .statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void whenMissingGrantTypeThenInvalidRequest() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "scope=deployment:read")
                .statusCode(400).body("error", equalTo("invalid_request"));
        // RFC 6749 §3.1: a parameter without a value is treated as omitted
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=")
                .statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void whenUnknownGrantTypeThenUnsupportedGrantType() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=password&username=a&password=b")
                .statusCode(400).body("error", equalTo("unsupported_grant_type"));
    }

    @Test
    void whenRepeatedParameterThenInvalidRequest() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&scope=a&scope=b")
                .statusCode(400).body("error", equalTo("invalid_request"))
                .body("error_description", containsString("scope"));
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&grant_type=client_credentials")
                .statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void whenWrongContentTypeThenInvalidRequest() {
        var c = TestClients.client().register();
        rawToken("application/json", basic(c.id(), c.secret()), "{\"grant_type\":\"client_credentials\"}")
                .statusCode(400).body("error", equalTo("invalid_request"));
        rawToken("text/plain", basic(c.id(), c.secret()), "grant_type=client_credentials")
                .statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void whenBadPercentEncodingThenInvalidRequest() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&scope=%zz")
                .statusCode(400).body("error", equalTo("invalid_request"));
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials&scope=%C3%28")
                .statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void whenPublicClientThenClientCredentialsIsUnauthorized() {
        var c = TestClients.client().publicClient().register();
        rawToken(FORM, null, "grant_type=client_credentials&client_id=" + c.id())
                .statusCode(400).body("error", equalTo("unauthorized_client"));
    }

    @Test
    void whenPublicClientPresentsSecretThenInvalidClient() {
        var c = TestClients.client().publicClient().register();
        rawToken(FORM, null, "grant_type=client_credentials&client_id=" + c.id() + "&client_secret=x")
                .statusCode(401).body("error", equalTo("invalid_client"));
    }

    @Test
    void whenClientTtlSetThenExpiresInFollows() {
        var c = TestClients.client().ttl(60).register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials")
                .statusCode(200).body("expires_in", equalTo(60));
    }

    @Test
    void whenSecretsContainReservedCharactersBasicIsFormDecoded() {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded inside Basic
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id().replace("-", "%2D"), c.secret()), "grant_type=client_credentials")
                .statusCode(200);
    }

    @Test
    void whenTooManyFailuresThenTooManyRequestsWithRetryAfter() {
        var c = TestClients.client().register();
        // the test profile allows 5 failures per client id per window
        for (int i = 0; i < 5; i++) {
            rawToken(FORM, basic(c.id(), "wrong"), "grant_type=client_credentials").statusCode(401);
        }
        rawToken(FORM, basic(c.id(), "wrong"), "grant_type=client_credentials")
                .statusCode(429)
                .header("Retry-After", notNullValue())
                .body("error", notNullValue());
        // blocked for the window from this address, even with the right secret
        String retry = given().header("Authorization", basic(c.id(), c.secret())).contentType(FORM)
                .body("grant_type=client_credentials").post("/oauth/token")
                .then().statusCode(429).extract().header("Retry-After");
        assertEquals(true, Integer.parseInt(retry) > 0);
        // another client is not affected
        var other = TestClients.client().register();
        rawToken(FORM, basic(other.id(), other.secret()), "grant_type=client_credentials").statusCode(200);
    }

    @Test
    void aClientMayUseOnlyItsRegisteredAuthMethod() {
        var basicClient = TestClients.client().register();
        rawToken(FORM, null, "grant_type=client_credentials&client_id=" + basicClient.id() + "&client_secret="
                + basicClient.secret())
                .statusCode(401).body("error", equalTo("invalid_client"));
        rawToken(FORM, basic(basicClient.id(), basicClient.secret()), "grant_type=client_credentials").statusCode(200);
        var postClient = TestClients.client().set("token_endpoint_auth_method", "client_secret_post").register();
        rawToken(FORM, basic(postClient.id(), postClient.secret()), "grant_type=client_credentials")
                .statusCode(401).body("error", equalTo("invalid_client"));
        rawToken(FORM, null, "grant_type=client_credentials&client_id=" + postClient.id() + "&client_secret="
                + postClient.secret()).statusCode(200);
    }

    private static ValidatableResponse tokenFrom(String address, String authorization) {
        return given().header("X-Forwarded-For", address).header("Authorization", authorization).contentType(FORM)
                .body("grant_type=client_credentials").post("/oauth/token").then();
    }

    @Test
    void wrongSecretsFromOneAddressDoNotLockTheClientOutElsewhere() {
        var c = TestClients.client().register();
        String attacker = dev.forgeauth.auth.support.TestUsers.address();
        String owner = dev.forgeauth.auth.support.TestUsers.address();
        // the test profile allows 5 failures per client id and address per window
        for (int i = 0; i < 5; i++) {
            tokenFrom(attacker, basic(c.id(), "wrong")).statusCode(401);
        }
        tokenFrom(attacker, basic(c.id(), "wrong")).statusCode(429).header("Retry-After", notNullValue());
        tokenFrom(attacker, basic(c.id(), c.secret())).statusCode(429);
        // the owner, elsewhere, still gets tokens with the right secret
        tokenFrom(owner, basic(c.id(), c.secret())).statusCode(200).body("access_token", notNullValue());
        tokenFrom(owner, basic(c.id(), "wrong")).statusCode(401);
        tokenFrom(owner, basic(c.id(), c.secret())).statusCode(200);
    }

    @Test
    void overlongClientIdsAreRefusedBeforeTheyBecomeFailureCounterKeys() {
        String longId = "x".repeat(129) + System.nanoTime();
        rawToken(FORM, basic(longId, "whatever"), "grant_type=client_credentials")
                .statusCode(401).body("error", equalTo("invalid_client"));
        rawToken(FORM, null, "grant_type=client_credentials&client_id=" + longId)
                .statusCode(401).body("error", equalTo("invalid_client"));
        var keys = redis.key().keys("forge:fail:client:*" + longId.substring(0, 20) + "*");
        assertEquals(List.of(), keys);
    }

    @Test
    void whenBodyTooLargeThen413Json() {
        String big = "grant_type=client_credentials&x=" + "a".repeat(70_000);
        rawToken(FORM, null, big).statusCode(413).body("error", equalTo("request_too_large"));
    }

    @Test
    void whenHeadersTooLargeThen431Json() {
        given().header("X-Junk", "a".repeat(20_000)).contentType(FORM).body("grant_type=client_credentials")
                .post("/oauth/token")
                .then().statusCode(431).body("error", equalTo("request_header_fields_too_large"));
    }

    @Test
    void whenChunkedBodyThen411Json() throws Exception {
        var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create(tokenUrl.toString()))
                .header("Content-Type", FORM)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream("grant_type=client_credentials".getBytes())))
                .build();
        var resp = client.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(411, resp.statusCode());
        assertEquals(true, resp.body().contains("\"error\":\"invalid_request\""));
    }

    @io.quarkus.test.common.http.TestHTTPResource("/oauth/token")
    java.net.URL tokenUrl;

    @Test
    void whenWrongMethodThen405Json() {
        given().get("/oauth/token").then().statusCode(405).body("error", equalTo("method_not_allowed"));
    }

    @Test
    void whenUnknownPathThen404Json() {
        given().get("/no/such/path").then().statusCode(404).body("error", equalTo("not_found"));
    }

    @Test
    void whenManyParametersThenInvalidRequest() {
        var c = TestClients.client().register();
        StringBuilder sb = new StringBuilder("grant_type=client_credentials");
        for (int i = 0; i < 40; i++) {
            sb.append("&p").append(i).append("=1");
        }
        rawToken(FORM, basic(c.id(), c.secret()), sb.toString()).statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void whenConcurrentRequestsThenAllSucceed() throws Exception {
        var c = TestClients.client().register();
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                for (int j = 0; j < 5; j++) {
                    int code = given().header("Authorization", basic(c.id(), c.secret())).contentType(FORM)
                            .body("grant_type=client_credentials").post("/oauth/token").statusCode();
                    if (code == 200) {
                        ok.incrementAndGet();
                    }
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(40, ok.get());
    }

    @Test
    void expiresInIsPositive() {
        var c = TestClients.client().register();
        rawToken(FORM, basic(c.id(), c.secret()), "grant_type=client_credentials").body("expires_in", greaterThan(0));
    }
}
