package dev.forgeauth.auth.revocation;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.forgeauth.auth.support.Browser;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 points 9 and 12: refresh tokens are bound to their client, and every revocation (cut-offs,
 * client deletion, "Revoke access", fewer scopes) reaches what was derived from the grant.
 */
@QuarkusTest
class DerivedRevocationTest {

    static final String REDIRECT = "http://127.0.0.1:9999/callback";

    /** A public app's tokens for a new user, from the authorization code flow. */
    static ExtractableResponse<Response> appTokens(String clientId, String cookie) {
        String verifier = Browser.verifier();
        Map<String, String> p = new HashMap<>();
        p.put("response_type", "code");
        p.put("client_id", clientId);
        p.put("redirect_uri", REDIRECT);
        p.put("scope", "deployment:read");
        p.put("state", "s");
        p.put("code_challenge", Browser.challenge(verifier));
        p.put("code_challenge_method", "S256");
        Response consent = Browser.authorize(p, cookie);
        Response back = consent.statusCode() == 303 ? consent
                : Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(consent.asString(), "req"),
                        "csrf", Browser.field(consent.asString(), "csrf"), "decision", "approve"));
        String code = Browser.query(back).get("code");
        return given().formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT).formParam("client_id", clientId)
                .formParam("code_verifier", verifier).post("/oauth/token").then().statusCode(200).extract();
    }

    static Response oauthRefresh(String clientId, String token) {
        return given().formParam("grant_type", "refresh_token").formParam("refresh_token", token)
                .formParam("client_id", clientId).post("/oauth/token");
    }

    static Response loginRefresh(String token) {
        return given().contentType(ContentType.JSON).body(Map.of("refresh_token", token)).post("/auth/refresh");
    }

    static Response cutOff(Map<String, Object> body) {
        return given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(body)
                .post("/admin/revocations");
    }

    @Test
    void authRefreshRedeemsOnlyFirstPartyLoginRefreshTokens() {
        var app = TestClients.client().publicClient().scope("deployment:read").register();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String appRefresh = appTokens(app.id(), cookie).path("refresh_token");
        loginRefresh(appRefresh).then().statusCode(400).body("error", equalTo("invalid_grant"));
        // refused without side effects: the app still refreshes with it
        oauthRefresh(app.id(), appRefresh).then().statusCode(200);
        // and a login refresh token is not an OAuth client's
        String loginToken = TestUsers.login(TestUsers.create()).path("refresh_token");
        oauthRefresh(app.id(), loginToken).then().statusCode(400).body("error", equalTo("invalid_grant"));
        loginRefresh(loginToken).then().statusCode(200);
    }

    @Test
    void aConfidentialClientsRefreshTokenNeedsThatClientAuthenticated() {
        var web = TestClients.client().webApp(REDIRECT).scope("deployment:read").register();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        Map<String, String> p = new HashMap<>(Map.of("response_type", "code", "client_id", web.id(),
                "redirect_uri", REDIRECT, "scope", "deployment:read", "state", "s"));
        Response consent = Browser.authorize(p, cookie);
        Response back = Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(consent.asString(), "req"),
                "csrf", Browser.field(consent.asString(), "csrf"), "decision", "approve"));
        String refresh = given().auth().preemptive().basic(web.id(), web.secret())
                .formParam("grant_type", "authorization_code").formParam("code", Browser.query(back).get("code"))
                .formParam("redirect_uri", REDIRECT).post("/oauth/token").then().statusCode(200)
                .extract().path("refresh_token");
        oauthRefresh(web.id(), refresh).then().statusCode(401).body("error", equalTo("invalid_client"));
        given().auth().preemptive().basic(web.id(), web.secret()).formParam("grant_type", "refresh_token")
                .formParam("refresh_token", refresh).post("/oauth/token").then().statusCode(200);
    }

    @Test
    void deletingAClientEndsItsRefreshTokensEvenIfItsIdIsRegisteredAgain() {
        String id = "app-" + UUID.randomUUID();
        TestClients.client().publicClient().set("client_id", id).scope("deployment:read").register();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        var tokens = appTokens(id, cookie);
        given().auth().oauth2(TestTokens.admin()).delete("/admin/clients/" + id).then().statusCode(204);
        TestClients.client().publicClient().set("client_id", id).scope("deployment:read").register();
        oauthRefresh(id, tokens.path("refresh_token")).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().formParam("token", tokens.<String>path("refresh_token")).formParam("client_id", id)
                .post("/oauth/revoke").then().statusCode(200);
    }

    @Test
    void subjectAndClientCutOffsEndRefreshFamilies() {
        var u = TestUsers.create();
        String loginToken = TestUsers.login(u).path("refresh_token");
        var app = TestClients.client().publicClient().scope("deployment:read").register();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String appToken = appTokens(app.id(), cookie).path("refresh_token");

        cutOff(Map.of("subject", u.id())).then().statusCode(200);
        loginRefresh(loginToken).then().statusCode(400).body("error", equalTo("invalid_grant"));
        cutOff(Map.of("client_id", app.id())).then().statusCode(200);
        oauthRefresh(app.id(), appToken).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void aCutOffCoversTokensIssuedEarlierInTheSameSecondButNotLaterOnes() throws Exception {
        String admin = TestTokens.admin();
        for (int attempt = 0; attempt < 30; attempt++) {
            // a client of its own per attempt: an earlier attempt's cut-off must not move this one's iat
            var c = TestClients.client().scope("admin").register();
            long before = System.currentTimeMillis() / 1000;
            String early = TestTokens.clientCredentials(c.id(), c.secret(), null);
            long nbf = given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("client_id", c.id()))
                    .post("/admin/revocations").then().statusCode(200).extract().<Number>path("not_before").longValue();
            String late = TestTokens.clientCredentials(c.id(), c.secret(), null);
            long after = System.currentTimeMillis() / 1000;
            if (before != after) {
                continue; // the second changed in between: try again for a clean case
            }
            assertEquals(before, SignedJWT.parse(early).getJWTClaimsSet().getIssueTime().getTime() / 1000);
            assertTrue(nbf > before, "not_before covers the whole second of the cut-off");
            given().auth().oauth2(early).get("/admin/clients?limit=1").then().statusCode(401);
            given().auth().oauth2(late).get("/admin/clients?limit=1").then().statusCode(200);
            return;
        }
        throw new AssertionError("never managed two tokens and a cut-off within one second");
    }

    @Test
    void revokingAccessOnTheAccountPageEndsThatApplicationsTokens() {
        var app = TestClients.client().publicClient().scope("deployment:read openid").register();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        var tokens = appTokens(app.id(), cookie);
        String csrf = Browser.field(given().cookie("df_session", cookie).get("/account").asString(), "csrf");
        Response r = Browser.post("/account/apps/revoke", cookie, Map.of("csrf", csrf, "client_id", app.id()));
        assertEquals(200, r.statusCode(), r.asString());
        oauthRefresh(app.id(), tokens.path("refresh_token")).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void reducingAUsersScopesNarrowsTheirPatsApiKeysAndRefreshTokens() throws Exception {
        var u = TestUsers.create("deployment:read", "deployment:write");
        var login = TestUsers.login(u);
        String access = login.path("access_token");
        String refresh = login.path("refresh_token");
        String pat = given().auth().oauth2(access).contentType(ContentType.JSON)
                .body(Map.of("name", "both", "scopes", List.of("deployment:read", "deployment:write")))
                .post("/auth/tokens").then().statusCode(201).extract().path("id");
        given().auth().oauth2(access).contentType(ContentType.JSON)
                .body(Map.of("name", "write only", "scopes", List.of("deployment:write")))
                .post("/auth/api-keys").then().statusCode(201);

        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("scopes", List.of("deployment:read"))).patch("/admin/users/" + u.id())
                .then().statusCode(200);

        given().auth().oauth2(access).get("/auth/tokens").then().statusCode(200)
                .body("find { it.id == '" + pat + "' }.scopes", equalTo(List.of("deployment:read")));
        // left with no scope at all: revoked
        given().auth().oauth2(access).get("/auth/api-keys").then().statusCode(200).body("size()", equalTo(0));
        String narrowed = loginRefresh(refresh).then().statusCode(200).extract().path("access_token");
        assertEquals("deployment:read", SignedJWT.parse(narrowed).getJWTClaimsSet().getStringClaim("scope"));
    }
}
