package dev.forgeauth.gateway.auth;

import dev.forgeauth.core.error.OAuthErrors;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.jwt.JwtSettings;
import dev.forgeauth.core.jwt.JwtVerifier;
import dev.forgeauth.core.revocation.RevocationView;
import dev.forgeauth.core.token.OpaqueTokens;
import dev.forgeauth.gateway.route.Route;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;
import java.net.URI;
import java.util.Locale;

/**
 * Finds the credential of a request and turns it into an {@link Identity}: JWT access tokens are verified
 * here (shared verifier and verified-token cache, in-process revocation view: no network hop); PATs,
 * API keys and sessions through {@link OpaqueCredentials}. One credential per request, taken in this
 * order: {@code Authorization: Bearer}, {@code X-API-Key}, {@code ?api_key=} (where the route allows
 * it), cookie {@code df_session}.
 *
 * <p>Exactly the contract's kinds are accepted: a JWT, a PAT or an API key in a header, a session id in
 * the cookie. Opaque credentials are checked offline first (prefix, length, checksum: {@link
 * OpaqueTokens}), so junk and the wrong kind (a refresh token is not an API credential: it is redeemed
 * at the token endpoint only) never cost an introspection call.
 *
 * <p>A cookie is sent by the browser whoever made the page that asks: a write (any method but GET, HEAD,
 * OPTIONS) authenticated by the session cookie must come from the front door's own pages, by {@code
 * Sec-Fetch-Site} ({@code same-origin}, or {@code none} for what the user typed) and {@code Origin} (the
 * issuer's origin); SameSite=Lax alone lets a sibling site of the same registrable domain through.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6750#section-2">RFC 6750 §2</a>
 * @see <a href="https://www.w3.org/TR/fetch-metadata/">Fetch Metadata Request Headers</a>
 */
@Singleton
public class Authenticator {

    public static final String SESSION_COOKIE = "df_session";
    public static final String API_KEY_HEADER = "X-API-Key";

    private final JwtVerifier verifier;
    private final RevocationView revocations;
    private final OpaqueCredentials opaque;
    private final UnknownCredentials unknown;
    /** The front door's origin (scheme://host[:port] of the issuer), as browsers write it in Origin. */
    private final String origin;

    public Authenticator(JwtVerifier verifier, RevocationView revocations, OpaqueCredentials opaque,
            UnknownCredentials unknown, JwtSettings settings) {
        this.verifier = verifier;
        this.unknown = unknown;
        this.revocations = revocations;
        this.opaque = opaque;
        this.origin = originOf(settings.issuer());
    }

    static String originOf(String url) {
        URI u = URI.create(url);
        String scheme = u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort();
        boolean defaultPort = port < 0 || "http".equals(scheme) && port == 80 || "https".equals(scheme) && port == 443;
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
    }

    /**
     * The credential the request carries in a header (or the query, where the route allows it), or null.
     * Fails on an Authorization header that is not Bearer.
     */
    static String headerCredential(HttpServerRequest req, Route route) {
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
        return null;
    }

    /** The session cookie's value, or null. */
    static String sessionCookie(HttpServerRequest req) {
        Cookie c = req.getCookie(SESSION_COOKIE);
        return c != null && !c.getValue().isBlank() ? c.getValue() : null;
    }

    /**
     * A write authenticated by the session cookie must come from the front door's own origin: refused
     * (403) when {@code Sec-Fetch-Site} says another site, when {@code Origin} is another origin, and when
     * the request has neither (every browser in use sends at least one on a write; a client that is no
     * browser uses a PAT or an API key, not a session cookie).
     */
    void checkSameOrigin(HttpServerRequest req) {
        HttpMethod m = req.method();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            return;
        }
        String site = req.getHeader("Sec-Fetch-Site");
        String from = req.getHeader("Origin");
        if (site == null && from == null) {
            throw crossSite("A write with the session cookie must say where it comes from (Origin)");
        }
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            throw crossSite("A write with the session cookie from another site is refused");
        }
        if (from != null && !from.equalsIgnoreCase(origin)) {
            throw crossSite("A write with the session cookie from another origin is refused");
        }
    }

    private static OAuthException crossSite(String description) {
        return new OAuthException(OAuthErrors.ACCESS_DENIED, description, 403);
    }

    /**
     * The synchronous path, for the common case of a credential that was seen recently: the identity
     * when the answer is already in a cache (a verified JWT, a resolved opaque credential), null when
     * {@link #authenticate} has to do the work. Refusals that need no lookup (no credential, not Bearer,
     * a revoked JWT, a cross-site write with the cookie) are thrown as {@link OAuthException}.
     */
    public Identity cached(HttpServerRequest req, Route route) {
        String credential = headerCredential(req, route);
        if (credential == null) {
            credential = sessionCookie(req);
            if (credential == null) {
                throw OAuthException.missingToken("Authentication required");
            }
            checkSameOrigin(req);
            Identity session = opaque.cached(credential);
            return session == null || Identity.SESSION.equals(session.tokenType()) ? session : null;
        }
        if (JwtVerifier.looksLikeJwt(credential)) {
            dev.forgeauth.core.jwt.VerifiedToken t = verifier.cached(credential);
            return t == null ? null : jwtIdentity(t);
        }
        // only PATs, API keys and sessions are ever cached as active (OpaqueCredentials.ACCEPTED); a
        // session id is for the cookie
        Identity found = credential.length() > 512 ? null : opaque.cached(credential);
        return found == null || !Identity.SESSION.equals(found.tokenType()) ? found : null;
    }

    private Identity jwtIdentity(dev.forgeauth.core.jwt.VerifiedToken t) {
        if (revocations.isRevoked(t)) {
            throw OAuthException.invalidToken("The access token has been revoked");
        }
        return Identity.of(t.subject(), t.clientId(), t.scopes(), t.scope(), "jwt");
    }

    public Uni<Identity> authenticate(HttpServerRequest req, Route route) {
        String credential;
        boolean cookie = false;
        try {
            credential = headerCredential(req, route);
            if (credential == null) {
                credential = sessionCookie(req);
                if (credential == null) {
                    throw OAuthException.missingToken("Authentication required");
                }
                cookie = true;
                checkSameOrigin(req);
            }
        } catch (OAuthException e) {
            return Uni.createFrom().failure(e);
        }
        if (!cookie && JwtVerifier.looksLikeJwt(credential)) {
            return verifier.verify(credential)
                    .onFailure().transform(e -> OAuthException.invalidToken("The access token is invalid or expired"))
                    .map(this::jwtIdentity);
        }
        OAuthException refused = offline(credential, cookie);
        if (refused != null) {
            return Uni.createFrom().failure(refused);
        }
        String address = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
        // an address that has presented many unknown credentials gets no more introspection calls for a while
        long blocked = unknown.blockedFor(address);
        if (blocked > 0) {
            return Uni.createFrom().failure(OAuthException.tooManyRequests(blocked));
        }
        return opaque.resolve(credential, address)
                .onFailure().transform(e -> OAuthException.unavailable("Credentials cannot be checked right now"))
                .map(found -> {
                    if (found.isEmpty()) {
                        unknown.failed(address);
                        throw OAuthException.invalidToken("The credential is invalid or expired");
                    }
                    return found.get();
                });
    }

    /** Periodic housekeeping: forgets the unknown-credential windows that have ended. */
    public void sweep() {
        unknown.sweep();
    }

    /**
     * The offline check of an opaque credential (no lookup): null when it is a well-formed credential of
     * a kind accepted where it was sent (a session id in the cookie; a PAT or an API key in a header),
     * else the refusal.
     */
    static OAuthException offline(String credential, boolean cookie) {
        if (cookie ? OpaqueTokens.isValid(credential, OpaqueTokens.SESSION)
                : OpaqueTokens.isValid(credential, OpaqueTokens.PAT) || OpaqueTokens.isValid(credential, OpaqueTokens.API_KEY)) {
            return null;
        }
        if (credential.startsWith(OpaqueTokens.REFRESH)) {
            return OAuthException.invalidToken("A refresh token is not an API credential: redeem it at the token endpoint");
        }
        return OAuthException.invalidToken("The credential is invalid");
    }
}
