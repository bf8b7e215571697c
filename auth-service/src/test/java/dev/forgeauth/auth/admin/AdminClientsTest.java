package dev.forgeauth.auth.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The admin API for clients: authorisation, the RFC 7591 shapes, secrets shown once, bad input. */
@QuarkusTest
class AdminClientsTest {

    @Test
    void whenNoTokenThen401WithBearerChallenge() {
        given().get("/admin/clients").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("error", equalTo("invalid_token"));
    }

    @Test
    void whenGarbageTokenThen401InvalidToken() {
        given().auth().oauth2("not.a.jwt").get("/admin/clients").then().statusCode(401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""));
    }

    @Test
    void whenTokenSignedByUnknownKeyThen401() throws Exception {
        given().auth().oauth2(TestTokens.forgedAdmin("forged-kid")).get("/admin/clients").then().statusCode(401);
    }

    @Test
    void aTokenExpiredBeyondTheFewSecondsOfClockSkewIsRefused() throws Exception {
        // the services share a clock source: a few seconds of skew (default 5 s), not the 30 s that let a
        // token live on half a minute past its exp
        var c = TestClients.client().scope("admin").ttl(1).register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), "admin");
        given().auth().oauth2(token).get("/admin/clients/" + c.id()).then().statusCode(200);
        long exp = new io.vertx.core.json.JsonObject(new String(java.util.Base64.getUrlDecoder()
                .decode(token.split("\\.")[1]), java.nio.charset.StandardCharsets.UTF_8)).getLong("exp");
        while (System.currentTimeMillis() < (exp + 7) * 1000) {
            Thread.sleep(200);
        }
        given().auth().oauth2(token).get("/admin/clients/" + c.id()).then().statusCode(401)
                .body("error", equalTo("invalid_token"));
    }

    @Test
    void whenTokenWithoutAdminScopeThen403InsufficientScope() {
        var c = TestClients.client().scope("deployment:read").register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        given().auth().oauth2(token).get("/admin/clients").then().statusCode(403)
                .header("WWW-Authenticate", containsString("error=\"insufficient_scope\""))
                .header("WWW-Authenticate", containsString("scope=\"admin\""))
                .body("error", equalTo("insufficient_scope"));
    }

    @Test
    void createReturnsSecretOnceAndGetNever() {
        var c = TestClients.client().set("client_name", "Billing").register();
        c.json().getString("client_secret");
        assertTrue(c.secret().length() >= 22, "at least 128 bits");
        assertTrue(c.json().getLong("client_id_issued_at") > 0);
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients/" + c.id()).then().statusCode(200)
                .body("client_id", equalTo(c.id()))
                .body("client_name", equalTo("Billing"))
                .body("client_secret", nullValue())
                .body("grant_types", equalTo(List.of("client_credentials")))
                .body("token_endpoint_auth_method", equalTo("client_secret_basic"))
                .body("access_token_ttl", equalTo(3600));
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients?limit=500").then().statusCode(200)
                .body("client_id", hasItem(c.id()))
                .body("client_secret", org.hamcrest.Matchers.everyItem(nullValue()));
    }

    @Test
    void serverGeneratesClientIdWhenAbsent() {
        var body = TestClients.client().body();
        body.remove("client_id");
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(body).post("/admin/clients")
                .then().statusCode(201).body("client_id", notNullValue()).body("client_secret", notNullValue());
    }

    @Test
    void publicClientHasNoSecret() {
        var c = TestClients.client().publicClient().register();
        assertTrue(c.secret() == null);
    }

    @Test
    void duplicateClientIdIsConflict() {
        var c = TestClients.client().register();
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("client_id", c.id())).post("/admin/clients")
                .then().statusCode(409).body("error", equalTo("invalid_client_metadata"));
    }

    @Test
    void patchChangesFieldsAndKeepsSecret() {
        var c = TestClients.client().register();
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("scope", "deployment:read", "access_token_ttl", 300, "client_name", "Renamed"))
                .patch("/admin/clients/" + c.id())
                .then().statusCode(200).body("scope", equalTo("deployment:read")).body("access_token_ttl", equalTo(300))
                .body("client_name", equalTo("Renamed"));
        // the change is effective at once on the token endpoint
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("grant_type", "client_credentials")
                .post("/oauth/token").then().statusCode(200).body("scope", equalTo("deployment:read"))
                .body("expires_in", equalTo(300));
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("grant_type", "client_credentials")
                .formParam("scope", "deployment:write")
                .post("/oauth/token").then().statusCode(400).body("error", equalTo("invalid_scope"));
    }

    @Test
    void rotatingSecretRevokesTheOldOne() {
        var c = TestClients.client().register();
        String newSecret = given().auth().oauth2(TestTokens.admin()).post("/admin/clients/" + c.id() + "/secret")
                .then().statusCode(200).header("Cache-Control", "no-store")
                .body("client_id", equalTo(c.id())).extract().path("client_secret");
        assertTrue(!newSecret.equals(c.secret()));
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("grant_type", "client_credentials")
                .post("/oauth/token").then().statusCode(401);
        given().auth().preemptive().basic(c.id(), newSecret).formParam("grant_type", "client_credentials")
                .post("/oauth/token").then().statusCode(200);
    }

    @Test
    void deleteRemovesClientAndItsTokensStopWorkingHere() {
        var c = TestClients.client().scope("admin").register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        given().auth().oauth2(token).get("/admin/clients/" + c.id()).then().statusCode(200);
        given().auth().oauth2(TestTokens.admin()).delete("/admin/clients/" + c.id()).then().statusCode(204);
        given().auth().oauth2(TestTokens.admin()).get("/admin/clients/" + c.id()).then().statusCode(404)
                .body("error", equalTo("not_found"));
        given().auth().oauth2(TestTokens.admin()).delete("/admin/clients/" + c.id()).then().statusCode(404);
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("grant_type", "client_credentials")
                .post("/oauth/token").then().statusCode(401);
        given().auth().oauth2(token).get("/admin/clients").then().statusCode(401);
    }

    @Test
    void invalidMetadataIsRefused() {
        String admin = TestTokens.admin();
        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of("grant_types", List.of("password")),
                Map.of("grant_types", "client_credentials"),
                Map.of("grant_types", List.of()),
                Map.of("token_endpoint_auth_method", "private_key_jwt"),
                Map.of("access_token_ttl", 0),
                Map.of("access_token_ttl", 10_000_000),
                Map.of("access_token_ttl", "3600"),
                Map.of("scope", "bad\"scope"),
                Map.of("scope", 42),
                Map.of("client_id", "has spaces"),
                Map.of("client_id", "forge-login"),
                Map.of("client_secret", "chosen-by-me"),
                Map.of("client_name", ""))) {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body(bad).post("/admin/clients")
                    .then().statusCode(400).body("error", equalTo("invalid_client_metadata"));
        }
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("redirect_uris", List.of("/relative"))).post("/admin/clients")
                .then().statusCode(400).body("error", equalTo("invalid_redirect_uri"));
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("redirect_uris", List.of("https://app.example/cb#frag"))).post("/admin/clients")
                .then().statusCode(400).body("error", equalTo("invalid_redirect_uri"));
    }

    @Test
    void malformedBodiesAreClientErrors() {
        String admin = TestTokens.admin();
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"client_name\": ").post("/admin/clients")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("[1,2]").post("/admin/clients")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("").post("/admin/clients")
                .then().statusCode(400);
        given().auth().oauth2(admin).contentType(ContentType.TEXT).body("client_name=x").post("/admin/clients")
                .then().statusCode(415).body("error", equalTo("unsupported_media_type"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"client_name\":\"\\ud800\"}")
                .post("/admin/clients").then().statusCode(org.hamcrest.Matchers.lessThan(500));
        given().auth().oauth2(admin).get("/admin/clients?limit=abc").then().statusCode(400);
    }

    @Test
    void publicAndConfidentialCannotBeSwappedByPatch() {
        var c = TestClients.client().register();
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("token_endpoint_auth_method", "none")).patch("/admin/clients/" + c.id())
                .then().statusCode(400).body("error", equalTo("invalid_client_metadata"));
    }

    @Test
    void reservedFirstPartyClientIdsFollowConfigurationAndIncludeTheCli() {
        String admin = TestTokens.admin();
        // the login's own id: never a registered client
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("client_id", "forge-login"))
                .post("/admin/clients").then().statusCode(400).body("error", equalTo("invalid_client_metadata"));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("scope", "admin"))
                .patch("/admin/clients/forge-login").then().statusCode(400);
        given().auth().oauth2(admin).delete("/admin/clients/forge-login").then().statusCode(400);
        // first-party ids (forge-cli, and test-first-party from the test profile's configuration) exist only
        // as public device-flow clients without redirect URIs
        for (String id : List.of("forge-cli", "test-first-party")) {
            for (Map<String, Object> bad : List.of(
                    Map.<String, Object>of("client_id", id, "grant_types", List.of("client_credentials")),
                    Map.<String, Object>of("client_id", id, "token_endpoint_auth_method", "none",
                            "grant_types", List.of("authorization_code"), "redirect_uris",
                            List.of("https://evil.example/cb")))) {
                given().auth().oauth2(admin).contentType(ContentType.JSON).body(bad).post("/admin/clients")
                        .then().statusCode(400).body("error", equalTo("invalid_client_metadata"));
            }
        }
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("client_id", "test-first-party", "token_endpoint_auth_method", "none",
                        "grant_types", List.of("urn:ietf:params:oauth:grant-type:device_code", "refresh_token"),
                        "scope", "deployment:read"))
                .post("/admin/clients").then().statusCode(201);
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("grant_types", List.of("authorization_code"), "redirect_uris", List.of("https://evil.example/cb")))
                .patch("/admin/clients/test-first-party").then().statusCode(400);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("scope", "deployment:read deployment:write"))
                .patch("/admin/clients/test-first-party").then().statusCode(200);
        given().auth().oauth2(admin).delete("/admin/clients/test-first-party").then().statusCode(204);
    }
}
