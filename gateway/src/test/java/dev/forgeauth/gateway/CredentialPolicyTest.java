package dev.forgeauth.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.forgeauth.core.token.OpaqueTokens;
import dev.forgeauth.gateway.support.UpstreamServer;
import dev.forgeauth.testing.TestKeys;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/**
 * Which credentials the gateway accepts, and where: exactly the contract's kinds (a JWT, PAT or API key
 * in a header, a session id in the cookie), opaque ones checked offline before any introspection; and a
 * write authenticated by the session cookie only from the front door's own origin.
 */
@QuarkusTest
class CredentialPolicyTest {

    static final String RW = "deployment:read deployment:write";

    static int introspections(String token) {
        var n = UpstreamServer.INTROSPECTIONS.get(token);
        return n == null ? 0 : n.get();
    }

    @Test
    void refreshTokenIsNotABearerCredential() {
        // introspection would say "active" (it answers for every kind): the gateway must not ask
        String refresh = UpstreamServer.active(OpaqueTokens.REFRESH, "deployment:read");
        int before = UpstreamServer.hits("/api/v1/deployments");
        given().auth().oauth2(refresh).get("/api/v1/deployments").then().statusCode(401)
                .header("WWW-Authenticate", containsString("error=\"invalid_token\""))
                .body("error", equalTo("invalid_token"));
        given().header("X-API-Key", refresh).get("/api/v1/deployments").then().statusCode(401)
                .body("error", equalTo("invalid_token"));
        given().cookie("df_session", refresh).get("/api/v1/deployments").then().statusCode(401)
                .body("error", equalTo("invalid_token"));
        assertEquals(before, UpstreamServer.hits("/api/v1/deployments"));
        assertEquals(0, introspections(refresh), "a refresh token was sent to introspection");
    }

    @Test
    void anActiveAnswerOfAKindTheGatewayDoesNotTakeIsRefused() {
        // a well-formed PAT that introspection answers as another kind (a refresh token): not accepted
        String pat = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        UpstreamServer.KIND.put(pat, "refresh_token");
        given().auth().oauth2(pat).get("/api/v1/deployments").then().statusCode(401).body("error", equalTo("invalid_token"));
        assertEquals(1, introspections(pat));
    }

    @Test
    void junkCredentialsAreRefusedOfflineWithoutAnIntrospection() {
        String pat = OpaqueTokens.generate(OpaqueTokens.PAT);
        String brokenChecksum = pat.substring(0, pat.length() - 1) + (pat.endsWith("A") ? "B" : "A");
        String[] junk = {"dfpat_notreal", brokenChecksum, "sk_live_" + "x".repeat(38), "garbage-" + System.nanoTime(),
                "dfs_" + "0".repeat(38), OpaqueTokens.generate(OpaqueTokens.MFA), OpaqueTokens.generate(OpaqueTokens.CODE)};
        for (String j : junk) {
            UpstreamServer.ACTIVE.put(j, "deployment:read"); // even if introspection would accept it
            given().auth().oauth2(j).get("/api/v1/deployments").then().statusCode(401).body("error", equalTo("invalid_token"));
            given().header("X-API-Key", j).get("/api/v1/deployments").then().statusCode(401);
            assertEquals(0, introspections(j), j + " was sent to introspection");
        }
    }

    @Test
    void aSessionIdIsACookieCredentialOnlyAndAPatIsNot() {
        String session = UpstreamServer.active(OpaqueTokens.SESSION, "deployment:read");
        String pat = UpstreamServer.active(OpaqueTokens.PAT, "deployment:read");
        given().cookie("df_session", session).get("/api/v1/deployments").then().statusCode(200)
                .body("headers.'x-auth-token-type'", equalTo("session"));
        given().auth().oauth2(pat).get("/api/v1/deployments").then().statusCode(200)
                .body("headers.'x-auth-token-type'", equalTo("pat"));
        // now both are cached as active: still only where each belongs
        given().auth().oauth2(session).get("/api/v1/deployments").then().statusCode(401);
        given().cookie("df_session", pat).get("/api/v1/deployments").then().statusCode(401);
    }

    RequestSpecification write(String session) {
        return given().cookie("df_session", session).contentType("application/json").body("{}");
    }

    @Test
    void crossSiteWritesWithTheSessionCookieAreRefused() {
        String session = UpstreamServer.active(OpaqueTokens.SESSION, RW);
        String path = "/api/v1/deployments/csrf";
        int before = UpstreamServer.hits(path);
        write(session).header("Origin", "https://evil.example").post(path).then().statusCode(403)
                .header("Content-Type", "application/json").body("error", equalTo("access_denied"));
        write(session).header("Sec-Fetch-Site", "cross-site").put(path).then().statusCode(403);
        // a sibling site of the same registrable domain: SameSite=Lax sends the cookie, we do not take it
        write(session).header("Sec-Fetch-Site", "same-site").header("Origin", "http://app.localhost:8080")
                .delete(path).then().statusCode(403);
        write(session).header("Origin", "http://localhost:8081").patch(path).then().statusCode(403);
        write(session).header("Origin", "null").post(path).then().statusCode(403);
        // a write with the cookie that says nothing about where it comes from
        write(session).post(path).then().statusCode(403).body("error", equalTo("access_denied"));
        assertEquals(before, UpstreamServer.hits(path), "a cross-site write reached the upstream");

        // the front door's own pages: same origin
        write(session).header("Origin", "http://localhost:8080").header("Sec-Fetch-Site", "same-origin")
                .post(path).then().statusCode(200).body("headers.'x-auth-token-type'", equalTo("session"));
        write(session).header("Sec-Fetch-Site", "same-origin").delete(path).then().statusCode(200);
        write(session).header("Origin", "http://LOCALHOST:8080").put(path).then().statusCode(200);
        // reads are not writes; a header credential is not sent by the browser on its own
        given().cookie("df_session", session).header("Sec-Fetch-Site", "cross-site").get(path).then().statusCode(200);
        given().auth().oauth2(TestKeys.token().scope(RW).build()).header("Origin", "https://evil.example")
                .contentType("application/json").body("{}").post(path).then().statusCode(200);
        String pat = UpstreamServer.active(OpaqueTokens.PAT, RW);
        given().header("X-API-Key", pat).header("Sec-Fetch-Site", "cross-site").contentType("application/json")
                .body("{}").post(path).then().statusCode(200);
    }
}
