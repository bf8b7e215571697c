package dev.forgeauth.auth.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.SignedJWT;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.auth.token.AccessTokenClaimsTest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ES256 selected by configuration: tokens are signed with a P-256 key and verify independently. */
@QuarkusTest
@TestProfile(Es256KeysTest.Es256.class)
class Es256KeysTest {

    public static class Es256 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("forge.keys.algorithm", "ES256");
        }
    }

    @Test
    void tokensAreSignedWithEs256() throws Exception {
        var c = TestClients.client().register();
        String token = TestTokens.clientCredentials(c.id(), c.secret(), null);
        assertEquals(JWSAlgorithm.ES256, SignedJWT.parse(token).getHeader().getAlgorithm());
        AccessTokenClaimsTest.verify(token, JWSAlgorithm.ES256);
    }
}
