package dev.forgeauth.auth.authorize;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.SignedJWT;
import dev.forgeauth.auth.mfa.Totp;
import dev.forgeauth.auth.support.Browser;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.codec.binary.Base32;
import org.junit.jupiter.api.Test;

/** Authorization code with PKCE, consent, ID tokens: each protocol rule of OAuth 2.1 / RFC 9700. */
@QuarkusTest
class AuthorizationCodeTest {

    static final String REDIRECT = "http://127.0.0.1:9999/callback";

    record App(String id, String secret) {
    }

    static App publicApp() {
        var c = TestClients.client().publicClient().scope("deployment:read").register();
        return new App(c.id(), null);
    }

    static Map<String, String> request(String clientId, String challenge) {
        Map<String, String> p = new HashMap<>();
        p.put("response_type", "code");
        p.put("client_id", clientId);
        p.put("redirect_uri", REDIRECT);
        p.put("scope", "openid deployment:read");
        p.put("state", "st-" + System.nanoTime());
        p.put("nonce", "n-" + System.nanoTime());
        if (challenge != null) {
            p.put("code_challenge", challenge);
            p.put("code_challenge_method", "S256");
        }
        return p;
    }

    /** Signed in by API login; consent approved on the page; answers the redirect to the client. */
    static Response approve(Map<String, String> params, String cookie) {
        Response consent = Browser.authorize(params, cookie);
        if (consent.statusCode() == 303) {
            return consent; // consent remembered from an earlier approval
        }
        assertEquals(200, consent.statusCode(), consent.asString());
        String html = consent.asString();
        assertTrue(html.contains("Allow"), html);
        return Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(html, "req"),
                "csrf", Browser.field(html, "csrf"), "decision", "approve"));
    }

    static Response exchange(String clientId, String code, String verifier) {
        var req = given().formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", REDIRECT).formParam("client_id", clientId);
        if (verifier != null) {
            req = req.formParam("code_verifier", verifier);
        }
        return req.post("/oauth/token");
    }

    @Test
    void fullFlowForAPublicClientWithPkceAndOpenId() throws Exception {
        App app = publicApp();
        var u = TestUsers.create("deployment:read");
        String cookie = TestUsers.login(u).cookie("df_session");
        String verifier = Browser.verifier();
        Map<String, String> params = request(app.id(), Browser.challenge(verifier));
        Response back = approve(params, cookie);
        assertEquals(303, back.statusCode());
        assertTrue(back.header("Location").startsWith(REDIRECT + "?"));
        Map<String, String> q = Browser.query(back);
        assertEquals(params.get("state"), q.get("state"));
        assertEquals("http://localhost:8080", q.get("iss"));
        String code = q.get("code");

        var tokens = exchange(app.id(), code, verifier).then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token_type", equalTo("Bearer"))
                .body("scope", equalTo("openid deployment:read"))
                .body("refresh_token", notNullValue())
                .body("id_token", notNullValue())
                .extract();
        var id = SignedJWT.parse(tokens.<String>path("id_token")).getJWTClaimsSet();
        assertEquals(u.id(), id.getSubject());
        assertEquals(List.of(app.id()), id.getAudience());
        assertEquals(params.get("nonce"), id.getStringClaim("nonce"));
        assertEquals(List.of("pwd"), id.getStringListClaim("amr"));
        assertNotNull(id.getClaim("auth_time"));
        var at = SignedJWT.parse(tokens.<String>path("access_token")).getJWTClaimsSet();
        assertEquals(app.id(), at.getStringClaim("client_id"));
        given().auth().oauth2(tokens.<String>path("access_token")).get("/oauth/userinfo").then().statusCode(200)
                .body("sub", equalTo(u.id())).body("email", nullValue());

        // public clients get refresh tokens too, rotated, and only for themselves
        String refresh = tokens.path("refresh_token");
        String next = given().formParam("grant_type", "refresh_token").formParam("refresh_token", refresh)
                .formParam("client_id", app.id()).post("/oauth/token").then().statusCode(200)
                .body("access_token", notNullValue()).extract().path("refresh_token");
        assertTrue(!next.equals(refresh));
        App other = publicApp();
        given().formParam("grant_type", "refresh_token").formParam("refresh_token", next)
                .formParam("client_id", other.id()).post("/oauth/token").then().statusCode(400)
                .body("error", equalTo("invalid_grant"));

        // consent is remembered: straight back to the client next time
        Response again = Browser.authorize(request(app.id(), Browser.challenge(verifier)), cookie);
        assertEquals(303, again.statusCode());
        assertNotNull(Browser.query(again).get("code"));
    }

    @Test
    void wrongOrMissingCodeVerifierIsInvalidGrant() {
        App app = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String verifier = Browser.verifier();
        String code = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        exchange(app.id(), code, Browser.verifier()).then().statusCode(400).body("error", equalTo("invalid_grant"));
        String code2 = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        exchange(app.id(), code2, null).then().statusCode(400).body("error", equalTo("invalid_grant"));
    }

    @Test
    void reusedCodeFailsAndRevokesTheTokensOfTheFirstUse() {
        App app = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String verifier = Browser.verifier();
        String code = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        String access = exchange(app.id(), code, verifier).then().statusCode(200).extract().path("access_token");
        given().auth().oauth2(access).get("/oauth/userinfo").then().statusCode(200);
        exchange(app.id(), code, verifier).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().auth().oauth2(access).get("/oauth/userinfo").then().statusCode(401);
    }

    @Test
    void mismatchedOrUnregisteredRedirectShowsAPageAndNeverRedirects() {
        App app = publicApp();
        Map<String, String> p = request(app.id(), Browser.challenge(Browser.verifier()));
        for (String bad : List.of("http://127.0.0.1:9999/callback/", "http://127.0.0.1:9999/callback?x=1",
                "http://evil.example/callback", "HTTP://127.0.0.1:9999/callback")) {
            p.put("redirect_uri", bad);
            Response r = Browser.authorize(p, null);
            assertEquals(400, r.statusCode(), bad);
            assertNull(r.header("Location"), bad);
            assertTrue(r.contentType().startsWith("text/html"));
        }
        p.put("client_id", "no-such-client");
        p.put("redirect_uri", REDIRECT);
        assertEquals(400, Browser.authorize(p, null).statusCode());
        assertNull(Browser.authorize(p, null).header("Location"));
        Map<String, String> noClient = request(app.id(), null);
        noClient.remove("client_id");
        assertEquals(400, Browser.authorize(noClient, null).statusCode());
    }

    @Test
    void errorsAfterValidationGoBackToTheClient() {
        App app = publicApp();
        // missing PKCE for a public client
        Response r = Browser.authorize(request(app.id(), null), null);
        assertEquals(302, r.statusCode());
        Map<String, String> q = Browser.query(r);
        assertEquals("invalid_request", q.get("error"));
        assertNotNull(q.get("state"));
        // plain is not accepted
        Map<String, String> plain = request(app.id(), Browser.verifier());
        plain.put("code_challenge_method", "plain");
        assertEquals("invalid_request", Browser.query(Browser.authorize(plain, null)).get("error"));
        Map<String, String> rt = request(app.id(), Browser.challenge(Browser.verifier()));
        rt.put("response_type", "token");
        assertEquals("unsupported_response_type", Browser.query(Browser.authorize(rt, null)).get("error"));
        Map<String, String> sc = request(app.id(), Browser.challenge(Browser.verifier()));
        sc.put("scope", "admin");
        assertEquals("invalid_scope", Browser.query(Browser.authorize(sc, null)).get("error"));
        Map<String, String> none = request(app.id(), Browser.challenge(Browser.verifier()));
        none.put("prompt", "none");
        assertEquals("login_required", Browser.query(Browser.authorize(none, null)).get("error"));
    }

    @Test
    void denyingSendsAccessDenied() {
        App app = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        Map<String, String> p = request(app.id(), Browser.challenge(Browser.verifier()));
        String html = Browser.authorize(p, cookie).asString();
        Response r = Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(html, "req"),
                "csrf", Browser.field(html, "csrf"), "decision", "deny"));
        assertEquals(303, r.statusCode());
        assertEquals("access_denied", Browser.query(r).get("error"));
        assertEquals(p.get("state"), Browser.query(r).get("state"));
    }

    @Test
    void formsWithoutTheRightCsrfTokenAreRefused() {
        App app = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String html = Browser.authorize(request(app.id(), Browser.challenge(Browser.verifier())), cookie).asString();
        Response r = Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(html, "req"),
                "csrf", "forged", "decision", "approve"));
        assertEquals(400, r.statusCode());
        assertNull(r.header("Location"));
        // another user's session cannot complete it either
        String otherCookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        Response r2 = Browser.post("/oauth/consent", otherCookie, Map.of("req", Browser.field(html, "req"),
                "csrf", Browser.field(html, "csrf"), "decision", "approve"));
        assertEquals(400, r2.statusCode());
    }

    @Test
    void loginPagesWithPasswordAndTotpThenConsent() {
        App app = publicApp();
        var u = TestUsers.create("deployment:read");
        // enable TOTP through the API
        String token = TestUsers.login(u).path("access_token");
        String b32 = given().auth().oauth2(token).post("/auth/mfa/totp").then().extract().path("secret");
        byte[] secret = new Base32().decode(b32);
        given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("code", Totp.code(secret, Totp.step(System.currentTimeMillis() / 1000))))
                .post("/auth/mfa/totp/verify").then().statusCode(200);

        String verifier = Browser.verifier();
        Map<String, String> params = request(app.id(), Browser.challenge(verifier));
        Response loginPage = Browser.authorize(params, null);
        assertEquals(200, loginPage.statusCode());
        assertTrue(loginPage.header("Content-Security-Policy") != null);
        assertEquals("DENY", loginPage.header("X-Frame-Options"));
        String html = loginPage.asString();
        String req = Browser.field(html, "req");
        String csrf = Browser.field(html, "csrf");
        Response wrong = Browser.post("/login", null, Map.of("req", req, "csrf", csrf, "email", u.email(),
                "password", "not-the-password"));
        assertEquals(401, wrong.statusCode());
        assertTrue(wrong.asString().contains("wrong"));
        Response mfaPage = Browser.post("/login", null, Map.of("req", req, "csrf", csrf, "email", u.email(),
                "password", u.password()));
        assertEquals(200, mfaPage.statusCode());
        assertTrue(mfaPage.asString().contains("name=\"code\""));
        // the second-factor form carries its own request id (the password step stored the request)
        String mfaHtml = mfaPage.asString();
        Response consent = Browser.post("/login/mfa", null, Map.of("req", Browser.field(mfaHtml, "req"),
                "csrf", Browser.field(mfaHtml, "csrf"),
                "code", Totp.code(secret, Totp.step(System.currentTimeMillis() / 1000) + 1)));
        assertEquals(200, consent.statusCode(), consent.asString());
        String cookie = consent.cookie("df_session");
        assertNotNull(cookie);
        assertTrue(consent.header("Set-Cookie").contains("HttpOnly"));
        String ch = consent.asString();
        Response back = Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(ch, "req"),
                "csrf", Browser.field(ch, "csrf"), "decision", "approve"));
        String code = Browser.query(back).get("code");
        var tokens = exchange(app.id(), code, verifier).then().statusCode(200).extract();
        try {
            var id = SignedJWT.parse(tokens.<String>path("id_token")).getJWTClaimsSet();
            assertEquals(List.of("pwd", "otp"), id.getStringListClaim("amr"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void confidentialClientAuthenticatesAtTheTokenEndpoint() {
        var c = TestClients.client().webApp(REDIRECT).scope("deployment:read").register();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        Map<String, String> p = request(c.id(), null);
        p.put("scope", "deployment:read");
        String code = Browser.query(approve(p, cookie)).get("code");
        // no PKCE needed for a confidential client, but its secret is
        given().formParam("grant_type", "authorization_code").formParam("code", code).formParam("redirect_uri", REDIRECT)
                .formParam("client_id", c.id()).post("/oauth/token").then().statusCode(401)
                .body("error", equalTo("invalid_client"));
        given().auth().preemptive().basic(c.id(), c.secret()).formParam("grant_type", "authorization_code")
                .formParam("code", code).formParam("redirect_uri", REDIRECT).post("/oauth/token").then().statusCode(200)
                .body("id_token", nullValue()).body("scope", equalTo("deployment:read"));
    }

    @Test
    void codeOfAnotherClientOrRedirectIsRefused() {
        App app = publicApp();
        App other = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String verifier = Browser.verifier();
        String code = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        exchange(other.id(), code, verifier).then().statusCode(400).body("error", equalTo("invalid_grant"));
        String code2 = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        given().formParam("grant_type", "authorization_code").formParam("code", code2)
                .formParam("redirect_uri", "http://127.0.0.1:9999/other").formParam("client_id", app.id())
                .formParam("code_verifier", verifier).post("/oauth/token").then().statusCode(400)
                .body("error", equalTo("invalid_grant"));
    }

    @Test
    void everyErrorRedirectCarriesTheIssuer() {
        App app = publicApp();
        String iss = "http://localhost:8080";
        // PKCE missing for a public client
        Map<String, String> q = Browser.query(Browser.authorize(request(app.id(), null), null));
        assertEquals("invalid_request", q.get("error"));
        assertEquals(iss, q.get("iss"));
        Map<String, String> rt = request(app.id(), Browser.challenge(Browser.verifier()));
        rt.put("response_type", "token");
        assertEquals(iss, Browser.query(Browser.authorize(rt, null)).get("iss"));
        Map<String, String> sc = request(app.id(), Browser.challenge(Browser.verifier()));
        sc.put("scope", "admin");
        assertEquals(iss, Browser.query(Browser.authorize(sc, null)).get("iss"));
        Map<String, String> none = request(app.id(), Browser.challenge(Browser.verifier()));
        none.put("prompt", "none");
        assertEquals(iss, Browser.query(Browser.authorize(none, null)).get("iss"));
        // denied on the consent page
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String html = Browser.authorize(request(app.id(), Browser.challenge(Browser.verifier())), cookie).asString();
        Response denied = Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(html, "req"),
                "csrf", Browser.field(html, "csrf"), "decision", "deny"));
        assertEquals("access_denied", Browser.query(denied).get("error"));
        assertEquals(iss, Browser.query(denied).get("iss"));
        // consent needed with prompt=none
        Map<String, String> consentNone = request(app.id(), Browser.challenge(Browser.verifier()));
        consentNone.put("prompt", "none");
        Map<String, String> cq = Browser.query(Browser.authorize(consentNone, cookie));
        assertEquals("consent_required", cq.get("error"));
        assertEquals(iss, cq.get("iss"));
    }

    @Test
    void aCodeIsNotBurntByAnotherClientOrAWrongVerifierOrRedirect() {
        App app = publicApp();
        App other = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String verifier = Browser.verifier();
        String code = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        exchange(other.id(), code, verifier).then().statusCode(400).body("error", equalTo("invalid_grant"));
        exchange(app.id(), code, Browser.verifier()).then().statusCode(400).body("error", equalTo("invalid_grant"));
        exchange(app.id(), code, null).then().statusCode(400).body("error", equalTo("invalid_grant"));
        given().formParam("grant_type", "authorization_code").formParam("code", code)
                .formParam("redirect_uri", "http://127.0.0.1:9999/other").formParam("client_id", app.id())
                .formParam("code_verifier", verifier).post("/oauth/token").then().statusCode(400);
        // none of those spent it: the client it was issued to still redeems it
        exchange(app.id(), code, verifier).then().statusCode(200).body("access_token", notNullValue());
    }

    @Test
    void redirectUriIsRequiredAtTheTokenEndpointWhenTheAuthorizationRequestHadOne() {
        App app = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String verifier = Browser.verifier();
        String code = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        given().formParam("grant_type", "authorization_code").formParam("code", code).formParam("client_id", app.id())
                .formParam("code_verifier", verifier).post("/oauth/token").then().statusCode(400)
                .body("error", equalTo("invalid_grant"));
        exchange(app.id(), code, verifier).then().statusCode(200);
        // a request without redirect_uri (the client's only registered one): the token request may omit it
        Map<String, String> p = request(app.id(), Browser.challenge(verifier));
        p.remove("redirect_uri");
        String code2 = Browser.query(approve(p, cookie)).get("code");
        given().formParam("grant_type", "authorization_code").formParam("code", code2).formParam("client_id", app.id())
                .formParam("code_verifier", verifier).post("/oauth/token").then().statusCode(200);
    }

    @Test
    void revokingARefreshTokenEndsTheGrant() {
        App app = publicApp();
        String cookie = TestUsers.login(TestUsers.create()).cookie("df_session");
        String verifier = Browser.verifier();
        String code = Browser.query(approve(request(app.id(), Browser.challenge(verifier)), cookie)).get("code");
        var tokens = exchange(app.id(), code, verifier).then().statusCode(200).extract();
        given().formParam("token", tokens.<String>path("refresh_token")).formParam("client_id", publicApp().id())
                .post("/oauth/revoke").then().statusCode(400).body("error", equalTo("unauthorized_client"));
        given().formParam("token", tokens.<String>path("refresh_token")).formParam("client_id", app.id())
                .post("/oauth/revoke").then().statusCode(200);
        given().formParam("grant_type", "refresh_token").formParam("refresh_token", tokens.<String>path("refresh_token"))
                .formParam("client_id", app.id()).post("/oauth/token").then().statusCode(400);
        given().auth().oauth2(tokens.<String>path("access_token")).get("/oauth/userinfo").then().statusCode(401);
    }

    @Test
    void userinfoNeedsOpenidScope() {
        var c = TestClients.client().register();
        String cc = dev.forgeauth.auth.support.TestTokens.clientCredentials(c.id(), c.secret(), null);
        given().auth().oauth2(cc).get("/oauth/userinfo").then().statusCode(403)
                .header("WWW-Authenticate", containsString("insufficient_scope"));
        given().get("/oauth/userinfo").then().statusCode(401);
    }
}
