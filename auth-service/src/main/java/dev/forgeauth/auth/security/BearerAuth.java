package dev.forgeauth.auth.security;

import dev.forgeauth.core.jwt.JwtSettings;
import dev.forgeauth.auth.client.ClientRegistry;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.keys.SigningKeys;
import dev.forgeauth.auth.token.AccessTokenIssuer;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.revocation.RevocationView;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.Key;
import java.util.Set;
import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.lang.UnresolvableKeyException;

/**
 * Bearer-token protection of the auth-service's own APIs (the admin API): verifies our own access
 * tokens against the in-memory key set (no JWKS round trip) and checks the scope.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-3">RFC 6750 §3</a>
 */
@ApplicationScoped
public class BearerAuth {

    /** The verified caller. */
    public record Caller(String subject, String clientId, Set<String> scopes, String jti, long issuedAt,
            String sessionId) {
    }

    private final JwtConsumer consumer;
    private final ClientRegistry clients;
    private final RevocationView revocations;
    private final String loginClientId;

    public BearerAuth(SigningKeys keys, ForgeConfig config, JwtSettings jwt, ClientRegistry clients,
            RevocationView revocations) {
        this.clients = clients;
        this.revocations = revocations;
        this.loginClientId = config.login().clientId();
        this.consumer = new JwtConsumerBuilder()
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setRequireSubject()
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

    /** Verifies the token and requires {@code scope} (none when null); fails with 401 or 403 as RFC 6750 says. */
    public Uni<Caller> require(String authorization, String scope) {
        if (authorization == null || authorization.isBlank()) {
            return Uni.createFrom().failure(OAuthException.missingToken("A bearer token is required"));
        }
        String[] parts = authorization.trim().split(" +", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            return Uni.createFrom().failure(OAuthException.missingToken("A bearer token is required"));
        }
        Caller caller;
        try {
            JwtClaims claims = consumer.processToClaims(parts[1].trim());
            Object sc = claims.getClaimValue("scope");
            caller = new Caller(claims.getSubject(), claims.getStringClaimValue("client_id"),
                    Scopes.parse(sc instanceof String s ? s : ""), claims.getJwtId(), claims.getIssuedAt().getValue(),
                    claims.getClaimValue("sid") instanceof String sid ? sid : null);
        } catch (InvalidJwtException | MalformedClaimException e) {
            return Uni.createFrom().failure(OAuthException.invalidToken("The access token is invalid or expired"));
        }
        if (revocations.isRevoked(caller.jti(), caller.clientId(), caller.subject(), caller.issuedAt())
                || caller.sessionId() != null && revocations.isRevoked(caller.sessionId(), null, null, 0)) {
            return Uni.createFrom().failure(OAuthException.invalidToken("The access token has been revoked"));
        }
        if (loginClientId.equals(caller.clientId())) {
            // first-party login tokens: the session check is the caller's (UserAuth)
            if (scope != null && !caller.scopes().contains(scope)) {
                return Uni.createFrom().failure(OAuthException.insufficientScope(scope));
            }
            return Uni.createFrom().item(caller);
        }
        // A token outlives nothing it was issued to: a deleted client's tokens stop here at once.
        return clients.find(caller.clientId() == null ? "" : caller.clientId()).map(found -> {
            if (found.isEmpty()) {
                throw OAuthException.invalidToken("The access token's client no longer exists");
            }
            if (scope != null && !caller.scopes().contains(scope)) {
                throw OAuthException.insufficientScope(scope);
            }
            return caller;
        });
    }
}
