package dev.forgeauth.core.jwt;

import java.util.List;
import java.util.Set;

/**
 * The claims of an access token whose signature, issuer, audience, type and lifetime were checked.
 * Revocation is not part of it: it is checked on every use against the revocation view.
 */
public record VerifiedToken(String jti, String subject, String clientId, String scope, Set<String> scopes,
        String issuer, List<String> audience, long issuedAt, long expiresAt, String sessionId) {

    public boolean hasScope(String s) {
        return scopes.contains(s);
    }
}
