package dev.forgeauth.auth.token;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.keys.KeySnapshot;
import dev.forgeauth.auth.keys.SigningKeys;
import dev.forgeauth.core.error.OAuthException;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.List;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

/**
 * OpenID Connect ID tokens: who signed in, when, how ({@code amr}), for which client, with the
 * client's {@code nonce}.
 *
 * @see <a href="https://openid.net/specs/openid-connect-core-1_0.html#IDToken">OIDC Core §2</a>
 */
@ApplicationScoped
public class IdTokenIssuer {

    private final SigningKeys keys;
    private final ForgeConfig config;

    public IdTokenIssuer(SigningKeys keys, ForgeConfig config) {
        this.keys = keys;
        this.config = config;
    }

    public String issue(String subject, String clientId, String nonce, long authTime, String amr, String sessionId,
            String email, int ttlSeconds) {
        KeySnapshot snapshot = keys.snapshot();
        if (!snapshot.canSign()) {
            throw OAuthException.unavailable("No signing key is available yet");
        }
        long now = System.currentTimeMillis() / 1000;
        JwtClaims c = new JwtClaims();
        c.setIssuer(config.issuer());
        c.setSubject(subject);
        c.setAudience(clientId);
        c.setClaim("azp", clientId);
        c.setIssuedAt(NumericDate.fromSeconds(now));
        c.setExpirationTime(NumericDate.fromSeconds(now + ttlSeconds));
        c.setClaim("auth_time", authTime);
        List<String> methods = Arrays.stream(amr.split(" ")).filter(s -> !s.isBlank()).toList();
        c.setStringListClaim("amr", methods);
        if (nonce != null) {
            c.setClaim("nonce", nonce);
        }
        if (sessionId != null) {
            c.setClaim("sid", sessionId);
        }
        if (email != null) {
            c.setClaim("email", email);
            c.setClaim("email_verified", false);
        }
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(c.toJson());
        jws.setAlgorithmHeaderValue(snapshot.activeAlg());
        jws.setKeyIdHeaderValue(snapshot.activeKid());
        jws.setHeader("typ", "JWT");
        jws.setKey(snapshot.activeKey());
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }
}
