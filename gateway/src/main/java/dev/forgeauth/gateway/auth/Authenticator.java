package dev.forgeauth.gateway.auth;

import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.jwt.JwtVerifier;
import dev.forgeauth.core.revocation.RevocationView;
import dev.forgeauth.gateway.route.Route;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;

/**
 * Finds the credential of a request and turns it into an {@link Identity}: JWT access tokens are verified
 * here (shared verifier and verified-token cache, in-process revocation view: no network hop); PATs,
 * API keys and sessions through {@link OpaqueCredentials}. One credential per request, taken in this
 * order: {@code Authorization: Bearer}, {@code X-API-Key}, {@code ?api_key=} (where the route allows
 * it), cookie {@code df_session}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2">RFC 6750 §2</a>
 */
@Singleton
public class Authenticator {

    public static final String SESSION_COOKIE = "df_session";
    public static final String API_KEY_HEADER = "X-API-Key";

    private final JwtVerifier verifier;
    private final RevocationView revocations;
    private final OpaqueCredentials opaque;

    public Authenticator(JwtVerifier verifier, RevocationView revocations, OpaqueCredentials opaque) {
        this.verifier = verifier;
        this.revocations = revocations;
        this.opaque = opaque;
    }

    /** The credential the request carries, or null. Fails on an Authorization header that is not Bearer. */
    static String credential(HttpServerRequest req, Route route) {
        String authz = req.getHeader("Authorization");
        if (authz != null) {
            String t = authz.trim();
            if (t.length() > 7 && t.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return t.substring(7).trim();
            }
            throw OAuthException.invalidToken("Only Bearer credentials are accepted in Authorization");
        }
        String key = req.getHeader(API_KEY_HEADER);
        if (key != null && !key.isBlank()) {
            return key.trim();
        }
        if (route.apiKeyQuery()) {
            String q = req.getParam("api_key");
            if (q != null && !q.isBlank()) {
                return q;
            }
        }
        Cookie c = req.getCookie(SESSION_COOKIE);
        if (c != null && !c.getValue().isBlank()) {
            return c.getValue();
        }
        return null;
    }

    /**
     * The synchronous path, for the common case of a credential that was seen recently: the identity
     * when the answer is already in a cache (a verified JWT, a resolved opaque credential), null when
     * {@link #authenticate} has to do the work. Refusals that need no lookup (no credential, not Bearer,
     * a revoked JWT) are thrown as {@link OAuthException}.
     */
    public Identity cached(HttpServerRequest req, Route route) {
        String credential = credential(req, route);
        if (credential == null) {
            throw OAuthException.missingToken("Authentication required");
        }
        if (JwtVerifier.looksLikeJwt(credential)) {
            dev.forgeauth.core.jwt.VerifiedToken t = verifier.cached(credential);
            return t == null ? null : jwtIdentity(t);
        }
        return credential.length() > 512 ? null : opaque.cached(credential);
    }

    private Identity jwtIdentity(dev.forgeauth.core.jwt.VerifiedToken t) {
        if (revocations.isRevoked(t)) {
            throw OAuthException.invalidToken("The access token has been revoked");
        }
        return Identity.of(t.subject(), t.clientId(), t.scopes(), t.scope(), "jwt");
    }

    public Uni<Identity> authenticate(HttpServerRequest req, Route route) {
        String credential;
        try {
            credential = credential(req, route);
        } catch (OAuthException e) {
            return Uni.createFrom().failure(e);
        }
        if (credential == null) {
            return Uni.createFrom().failure(OAuthException.missingToken("Authentication required"));
        }
        if (JwtVerifier.looksLikeJwt(credential)) {
            return verifier.verify(credential)
                    .onFailure().transform(e -> OAuthException.invalidToken("The access token is invalid or expired"))
                    .map(this::jwtIdentity);
        }
        if (credential.length() > 512) {
            return Uni.createFrom().failure(OAuthException.invalidToken("The credential is invalid"));
        }
        String address = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
        return opaque.resolve(credential, address)
                .onFailure().transform(e -> OAuthException.unavailable("Credentials cannot be checked right now"))
                .map(found -> found.orElseThrow(() -> OAuthException.invalidToken("The credential is invalid or expired")));
    }
}
