package dev.forgeauth.auth.keys;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.auth.token.AccessTokenClaimsTest;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rotation through the admin API (the test profile publishes with no delay): old tokens still verify
 * against the JWKS, new tokens carry the new kid, and the old key stays published as retired.
 */
@QuarkusTest
class KeyRotationTest {

    @Test
    void rotatedKeyKeepsOldTokensValidAndSignsNewOnes() throws Exception {
        var c = TestClients.client().register();
        String before = TestTokens.clientCredentials(c.id(), c.secret(), null);
        String oldKid = SignedJWT.parse(before).getHeader().getKeyID();

        List<Map<String, Object>> keys = given().auth().oauth2(TestTokens.admin()).post("/admin/keys/rotate")
                .then().statusCode(202).extract().jsonPath().getList("$");
        assertTrue(keys.stream().anyMatch(k -> oldKid.equals(k.get("kid")) && "retired".equals(k.get("status"))),
                "old key retired but listed: " + keys);
        assertTrue(keys.stream().noneMatch(k -> k.containsKey("d") || k.containsKey("private_key")));

        String after = TestTokens.clientCredentials(c.id(), c.secret(), null);
        String newKid = SignedJWT.parse(after).getHeader().getKeyID();
        assertNotEquals(oldKid, newKid);

        AccessTokenClaimsTest.verify(before, JWSAlgorithm.RS256);
        AccessTokenClaimsTest.verify(after, JWSAlgorithm.RS256);

        JsonPath list = given().auth().oauth2(TestTokens.admin()).get("/admin/keys").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("active", list.getString("find { it.kid == '" + newKid + "' }.status"));
        assertEquals("retired", list.getString("find { it.kid == '" + oldKid + "' }.status"));
        assertTrue(list.getString("find { it.kid == '" + oldKid + "' }.retires_at") != null);
    }

    @Test
    void rotateNeedsAdmin() {
        given().post("/admin/keys/rotate").then().statusCode(401);
        var c = TestClients.client().register();
        given().auth().oauth2(TestTokens.clientCredentials(c.id(), c.secret(), null)).post("/admin/keys/rotate")
                .then().statusCode(403);
    }
}
