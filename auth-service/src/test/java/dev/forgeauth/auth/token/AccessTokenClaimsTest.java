package dev.forgeauth.auth.token;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Access tokens checked by an independent library (Nimbus JOSE+JWT) against the published JWKS: every
 * RFC 9068 header field and claim.
 */
@QuarkusTest
public class AccessTokenClaimsTest {

    public static JWTClaimsSet verify(String token, JWSAlgorithm alg) throws Exception {
        String jwks = given().get("/oauth/jwks").then().statusCode(200).extract().asString();
        DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
        p.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType("at+jwt")));
        p.setJWSKeySelector(new JWSVerificationKeySelector<>(alg, new ImmutableJWKSet<>(JWKSet.parse(jwks))));
        p.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>("forge-api",
                new JWTClaimsSet.Builder().issuer("http://localhost:8080").build(),
                Set.of("sub", "exp", "iat", "jti", "client_id", "scope")));
        return p.process(token, null);
    }

    @Test
    void tokenVerifiesAgainstJwksWithEveryClaim() throws Exception {
        var c = TestClients.client().ttl(120).scope("deployment:read infrastructure:write").register();
        long before = System.currentTimeMillis() / 1000;
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);

        SignedJWT jwt = SignedJWT.parse(token);
        assertEquals(JWSAlgorithm.RS256, jwt.getHeader().getAlgorithm());
        assertEquals("at+jwt", jwt.getHeader().getType().getType());
        assertNotNull(jwt.getHeader().getKeyID());

        JWTClaimsSet claims = verify(token, JWSAlgorithm.RS256);
        assertEquals("http://localhost:8080", claims.getIssuer());
        assertEquals(c.id(), claims.getSubject());
        assertEquals(List.of("forge-api"), claims.getAudience());
        assertEquals(c.id(), claims.getStringClaim("client_id"));
        assertEquals("deployment:read infrastructure:write", claims.getStringClaim("scope"));
        long iat = claims.getIssueTime().getTime() / 1000;
        long exp = claims.getExpirationTime().getTime() / 1000;
        assertTrue(iat >= before - 1 && iat <= before + 5, "iat is now");
        assertEquals(120, exp - iat);
        assertNotNull(claims.getJWTID());
    }

    @Test
    void everyTokenHasItsOwnJti() throws Exception {
        var c = TestClients.client().register();
        String a = TestTokens.clientCredentials(c.id(), c.secret(), null);
        String b = TestTokens.clientCredentials(c.id(), c.secret(), null);
        assertTrue(!SignedJWT.parse(a).getJWTClaimsSet().getJWTID()
                .equals(SignedJWT.parse(b).getJWTClaimsSet().getJWTID()));
    }

    @Test
    void jwksHasPublicPartsOnly() {
        String jwks = given().get("/oauth/jwks").then().statusCode(200)
                .header("Content-Type", org.hamcrest.Matchers.containsString("jwk-set+json"))
                .extract().asString();
        for (String privateMember : List.of("\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"")) {
            assertTrue(!jwks.contains(privateMember), "JWKS must not contain " + privateMember);
        }
    }
}
