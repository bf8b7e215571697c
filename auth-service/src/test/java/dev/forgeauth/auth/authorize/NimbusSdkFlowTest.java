package dev.forgeauth.auth.authorize;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationResponse;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenErrorResponse;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientAuthenticationMethod;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.AccessTokenType;
import com.nimbusds.oauth2.sdk.token.BearerAccessToken;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.openid.connect.sdk.AuthenticationErrorResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.AuthenticationSuccessResponse;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.UserInfoRequest;
import com.nimbusds.openid.connect.sdk.UserInfoResponse;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.claims.UserInfo;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.token.OIDCTokens;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import com.nimbusds.jose.proc.BadJOSEException;
import dev.forgeauth.auth.support.Browser;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URI;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The authorization code flow as an independent relying party sees it: the Nimbus OAuth 2.0 / OIDC SDK
 * reads discovery, builds the authentication request (PKCE S256, state, nonce), parses the redirect,
 * exchanges the code, validates the ID token against the published JWKS and calls UserInfo. Only the
 * "browser" steps (sign-in cookie, consent form) are done by hand with rest-assured.
 *
 * <p>Discovery names the issuer's origin ({@code http://localhost:8080}, the gateway); this test talks to
 * the test server directly, so endpoint URIs are rewritten to it, while the ID token is still validated
 * against the advertised issuer.
 */
@QuarkusTest
class NimbusSdkFlowTest {

    static final URI REDIRECT = URI.create("http://127.0.0.1:9999/callback");
    static final Issuer ISSUER = new Issuer("http://localhost:8080");

    @TestHTTPResource("/")
    URL server;

    /** The same path on the test server. */
    URI local(URI advertised) {
        URI base = URI.create(server.toString());
        return base.resolve(advertised.getRawPath() + (advertised.getRawQuery() == null ? "" : "?" + advertised.getRawQuery()));
    }

    OIDCProviderMetadata discover() throws Exception {
        HTTPResponse r = new HTTPRequest(HTTPRequest.Method.GET, local(URI.create("/.well-known/openid-configuration")))
                .send();
        assertEquals(200, r.getStatusCode(), r.getBody());
        OIDCProviderMetadata md = OIDCProviderMetadata.parse(r.getBodyAsJSONObject());
        assertEquals(ISSUER, md.getIssuer());
        assertTrue(md.getResponseTypes().contains(ResponseType.CODE));
        assertTrue(md.getCodeChallengeMethods().contains(CodeChallengeMethod.S256));
        assertFalse(md.getCodeChallengeMethods().contains(CodeChallengeMethod.PLAIN));
        assertTrue(md.getGrantTypes().contains(GrantType.AUTHORIZATION_CODE));
        assertTrue(md.getGrantTypes().contains(GrantType.REFRESH_TOKEN));
        assertTrue(md.getTokenEndpointAuthMethods().contains(ClientAuthenticationMethod.NONE));
        assertTrue(md.getIDTokenJWSAlgs().contains(JWSAlgorithm.RS256));
        assertTrue(md.supportsAuthorizationResponseIssuerParam());
        assertNotNull(md.getUserInfoEndpointURI());
        return md;
    }

    JWKSet jwks(OIDCProviderMetadata md) throws Exception {
        HTTPResponse r = new HTTPRequest(HTTPRequest.Method.GET, local(md.getJWKSetURI())).send();
        assertEquals(200, r.getStatusCode());
        JWKSet set = JWKSet.parse(r.getBody());
        assertFalse(set.getKeys().isEmpty());
        set.getKeys().forEach(k -> assertFalse(k.isPrivate(), "JWKS publishes public keys only"));
        return set;
    }

    static ClientID publicClient() {
        return new ClientID(TestClients.client().publicClient().scope("deployment:read").register().id());
    }

    AuthenticationRequest authRequest(OIDCProviderMetadata md, ClientID client, CodeVerifier verifier) {
        return new AuthenticationRequest.Builder(ResponseType.CODE, new Scope("openid", "email", "deployment:read"),
                client, REDIRECT)
                .endpointURI(local(md.getAuthorizationEndpointURI()))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
    }

    /** The browser: GET the authorization URI with the session cookie, then answer the consent form. */
    static URI browse(AuthenticationRequest request, String cookie, String decision) {
        Response page = given().redirects().follow(false).urlEncodingEnabled(false).cookie("df_session", cookie)
                .get(request.toURI().toString());
        if (page.statusCode() == 303 || page.statusCode() == 302) {
            return URI.create(page.header("Location")); // consent remembered
        }
        assertEquals(200, page.statusCode(), page.asString());
        String html = page.asString();
        assertTrue(html.contains("Allow"), html);
        Response back = Browser.post("/oauth/consent", cookie, Map.of("req", Browser.field(html, "req"),
                "csrf", Browser.field(html, "csrf"), "decision", decision));
        assertEquals(303, back.statusCode(), back.asString());
        return URI.create(back.header("Location"));
    }

    TokenResponse token(OIDCProviderMetadata md, ClientID client, com.nimbusds.oauth2.sdk.AuthorizationGrant grant)
            throws Exception {
        HTTPResponse r = new TokenRequest(local(md.getTokenEndpointURI()), client, grant).toHTTPRequest().send();
        if (r.indicatesSuccess()) {
            assertEquals("no-store", r.getHeaderValue("Cache-Control"));
        }
        return OIDCTokenResponseParser.parse(r);
    }

    @Test
    void codeFlowWithPkceAsARelyingPartyLibrarySeesIt() throws Exception {
        OIDCProviderMetadata md = discover();
        JWKSet keys = jwks(md);
        ClientID client = publicClient();
        var user = TestUsers.create("deployment:read");
        String cookie = TestUsers.login(user).cookie("df_session");
        assertNotNull(cookie);

        CodeVerifier verifier = new CodeVerifier();
        AuthenticationRequest request = authRequest(md, client, verifier);
        URI redirect = browse(request, cookie, "approve");
        assertTrue(redirect.toString().startsWith(REDIRECT + "?"), redirect.toString());

        // the redirect, as the client's callback handler parses it
        AuthenticationResponse parsed = AuthenticationResponseParser.parse(redirect);
        assertTrue(parsed.indicatesSuccess(), () -> parsed.toErrorResponse().getErrorObject().toString());
        AuthenticationSuccessResponse success = parsed.toSuccessResponse();
        assertEquals(request.getState(), success.getState());
        assertEquals(ISSUER, success.getIssuer(), "RFC 9207 iss parameter");
        assertNull(success.getIDToken(), "response_type=code: no ID token in the front channel");
        assertNull(success.getAccessToken());
        AuthorizationCode code = success.getAuthorizationCode();
        assertNotNull(code);
        // the plain OAuth 2.0 parser agrees
        AuthorizationResponse oauth = AuthorizationResponse.parse(redirect);
        assertEquals(code, oauth.toSuccessResponse().getAuthorizationCode());

        TokenResponse tokenResponse = token(md, client, new AuthorizationCodeGrant(code, REDIRECT, verifier));
        assertTrue(tokenResponse.indicatesSuccess(),
                () -> tokenResponse.toErrorResponse().getErrorObject().toJSONObject().toString());
        OIDCTokenResponse ok = (OIDCTokenResponse) tokenResponse.toSuccessResponse();
        OIDCTokens tokens = ok.getOIDCTokens();
        assertEquals(AccessTokenType.BEARER, tokens.getAccessToken().getType());
        assertEquals(new Scope("openid", "email", "deployment:read"), tokens.getAccessToken().getScope());
        assertTrue(tokens.getAccessToken().getLifetime() > 0);
        assertNotNull(tokens.getRefreshToken());
        assertNotNull(tokens.getIDToken());

        // the ID token: signature by the published key set, issuer, audience, expiry, nonce
        IDTokenValidator validator = new IDTokenValidator(ISSUER, client, JWSAlgorithm.RS256, keys);
        IDTokenClaimsSet id = validator.validate(tokens.getIDToken(), request.getNonce());
        assertEquals(user.id(), id.getSubject().getValue());
        assertEquals(List.of(client.getValue()), id.getAudience().stream().map(Object::toString).toList());
        assertEquals(request.getNonce(), id.getNonce());
        assertNotNull(id.getAuthenticationTime());
        assertEquals(List.of("pwd"), id.getAMR().stream().map(Object::toString).toList());
        // and a validator expecting another nonce, client or issuer refuses it
        assertRefused(() -> validator.validate(tokens.getIDToken(), new Nonce()));
        assertRefused(() -> new IDTokenValidator(ISSUER, new ClientID("someone-else"), JWSAlgorithm.RS256, keys)
                .validate(tokens.getIDToken(), request.getNonce()));
        assertRefused(() -> new IDTokenValidator(new Issuer(server.toString()), client, JWSAlgorithm.RS256, keys)
                .validate(tokens.getIDToken(), request.getNonce()));

        // UserInfo with the access token
        HTTPResponse ui = new UserInfoRequest(local(md.getUserInfoEndpointURI()), tokens.getBearerAccessToken())
                .toHTTPRequest().send();
        UserInfoResponse userInfoResponse = UserInfoResponse.parse(ui);
        assertTrue(userInfoResponse.indicatesSuccess(), ui.getBody());
        UserInfo info = userInfoResponse.toSuccessResponse().getUserInfo();
        assertEquals(id.getSubject(), info.getSubject());
        assertEquals(user.email(), info.getEmailAddress());

        // refresh: a new pair, the old refresh token is spent
        RefreshToken refresh = tokens.getRefreshToken();
        TokenResponse refreshed = token(md, client, new RefreshTokenGrant(refresh));
        assertTrue(refreshed.indicatesSuccess(), () -> refreshed.toErrorResponse().getErrorObject().toString());
        var next = refreshed.toSuccessResponse().getTokens();
        assertNotEquals(refresh, next.getRefreshToken());
        assertNotEquals(tokens.getAccessToken(), next.getAccessToken());
        HTTPResponse ui2 = new UserInfoRequest(local(md.getUserInfoEndpointURI()), next.getBearerAccessToken())
                .toHTTPRequest().send();
        assertTrue(UserInfoResponse.parse(ui2).indicatesSuccess(), ui2.getBody());

        // the code is single-use: a second exchange is invalid_grant, in the RFC 6749 §5.2 shape
        TokenResponse again = token(md, client, new AuthorizationCodeGrant(code, REDIRECT, verifier));
        assertFalse(again.indicatesSuccess());
        assertInstanceOf(TokenErrorResponse.class, again);
        assertEquals(OAuth2Error.INVALID_GRANT.getCode(), again.toErrorResponse().getErrorObject().getCode());
    }

    @Test
    void wrongVerifierIsInvalidGrantAndDenialIsAccessDenied() throws Exception {
        OIDCProviderMetadata md = discover();
        ClientID client = publicClient();
        String cookie = TestUsers.login(TestUsers.create("deployment:read")).cookie("df_session");

        CodeVerifier verifier = new CodeVerifier();
        AuthenticationRequest request = authRequest(md, client, verifier);
        AuthenticationResponse denied = AuthenticationResponseParser.parse(browse(request, cookie, "deny"));
        assertFalse(denied.indicatesSuccess());
        AuthenticationErrorResponse error = denied.toErrorResponse();
        assertEquals(OAuth2Error.ACCESS_DENIED.getCode(), error.getErrorObject().getCode());
        assertEquals(request.getState(), error.getState());

        AuthenticationRequest second = authRequest(md, client, verifier);
        AuthenticationSuccessResponse ok = AuthenticationResponseParser.parse(browse(second, cookie, "approve"))
                .toSuccessResponse();
        TokenResponse wrong = token(md, client,
                new AuthorizationCodeGrant(ok.getAuthorizationCode(), REDIRECT, new CodeVerifier()));
        assertFalse(wrong.indicatesSuccess());
        assertEquals(OAuth2Error.INVALID_GRANT.getCode(), wrong.toErrorResponse().getErrorObject().getCode());

        // a token that is not the server's is refused by UserInfo with a Bearer challenge
        HTTPResponse ui = new UserInfoRequest(local(md.getUserInfoEndpointURI()), new BearerAccessToken("not-a-token"))
                .toHTTPRequest().send();
        UserInfoResponse parsed = UserInfoResponse.parse(ui);
        assertFalse(parsed.indicatesSuccess());
        assertEquals(401, ui.getStatusCode());
        assertEquals(com.nimbusds.oauth2.sdk.token.BearerTokenError.INVALID_TOKEN.getCode(),
                parsed.toErrorResponse().getErrorObject().getCode());
    }

    interface Validation {
        void run() throws Exception;
    }

    static void assertRefused(Validation v) {
        try {
            v.run();
        } catch (BadJOSEException e) {
            return;
        } catch (Exception e) {
            throw new AssertionError("expected a validation failure, got " + e, e);
        }
        throw new AssertionError("the ID token was accepted");
    }
}
