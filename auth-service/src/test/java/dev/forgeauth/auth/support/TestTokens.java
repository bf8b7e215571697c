package dev.forgeauth.auth.support;

import static io.restassured.RestAssured.given;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.Date;

/** Tokens for tests: real ones from the token endpoint, and forged ones signed by a stranger's key. */
public final class TestTokens {

    private TestTokens() {
    }

    public static String admin() {
        return clientCredentials(TestClients.ADMIN_ID, TestClients.ADMIN_SECRET, null);
    }

    public static String clientCredentials(String id, String secret, String scope) {
        var req = given().auth().preemptive().basic(id, secret).formParam("grant_type", "client_credentials");
        if (scope != null) {
            req = req.formParam("scope", scope);
        }
        return req.when().post("/oauth/token").then().statusCode(200).extract().path("access_token");
    }

    /** A well-formed access token with admin scope, signed by a key the server never published. */
    public static String forgedAdmin(String kid) throws Exception {
        RSAKey key = new RSAKeyGenerator(2048).keyID(kid).generate();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("http://localhost:8080").subject(TestClients.ADMIN_ID).audience("forge-api")
                .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 600_000))
                .claim("client_id", TestClients.ADMIN_ID).claim("scope", "admin").jwtID("forged").build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid)
                .type(new JOSEObjectType("at+jwt")).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }
}
