package dev.forgeauth.auth.revocation;

import dev.forgeauth.core.jwt.JwtSettings;
import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.keys.SigningKeys;
import dev.forgeauth.auth.token.AccessTokenIssuer;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.jwt.JwtVerifier;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.Key;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Revokes JWT access tokens by their {@code jti}, until they would have expired. Only tokens this
 * server signed count; a client may revoke its own tokens, a client holding scope {@code admin} any.
 */
@ApplicationScoped
public class JwtRevoker implements TokenRevoker {

    static final String ADMIN = "admin";

    private final RevocationStore store;
    private final JwtConsumer consumer;

    public JwtRevoker(RevocationStore store, SigningKeys keys, ForgeConfig config, JwtSettings jwt) {
        this.store = store;
        this.consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireJwtId()
                .setAllowedClockSkewInSeconds((int) jwt.clockSkew().toSeconds())
                .setExpectedIssuer(config.issuer())
                .setExpectedAudience(config.audience())
                .setExpectedType(true, AccessTokenIssuer.TYP)
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, "RS256", "ES256")
                .setVerificationKeyResolver((jws, nested) -> {
                    Key k = keys.snapshot().publicKeys().get(jws.getKeyIdHeaderValue());
                    if (k == null) {
                        throw new UnresolvableKeyException("unknown kid");
                    }
                    return k;
                })
                .build();
    }

    @Override
    public boolean recognises(String token) {
        return JwtVerifier.looksLikeJwt(token);
    }

    @Override
    public Uni<Void> revoke(String token, Client caller) {
        JwtClaims claims;
        try {
            claims = consumer.processToClaims(token);
        } catch (InvalidJwtException e) {
            return Uni.createFrom().voidItem(); // invalid or expired: nothing to revoke
        }
        try {
            Object clientId = claims.getClaimValue("client_id");
            boolean own = caller.clientId().equals(clientId);
            if (!own && !caller.scopes().contains(ADMIN)) {
                return Uni.createFrom().failure(OAuthException.unauthorizedClient(
                        "The token was not issued to this client"));
            }
            return store.revokeJwt(claims.getJwtId(), clientId instanceof String s ? s : null,
                    claims.getSubject(), claims.getExpirationTime().getValue());
        } catch (MalformedClaimException e) {
            return Uni.createFrom().voidItem();
        }
    }
}
