package dev.forgeauth.introspection.introspect;

import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.http.FormBody;
import dev.forgeauth.core.jwt.JwtVerifier;
import dev.forgeauth.core.jwt.VerifiedToken;
import dev.forgeauth.core.revocation.RevocationView;
import dev.forgeauth.introspection.caller.CallerAuthenticator;
import dev.forgeauth.introspection.opaque.OpaqueTokenLookup;
import dev.forgeauth.introspection.opaque.TokenInfo;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * RFC 7662 introspection for every token kind. JWTs are verified locally (cached by hash) and checked
 * against the in-process revocation view; opaque tokens go through {@link OpaqueTokenLookup}. Anything
 * inactive, unknown, expired, revoked or malformed is {@code {"active":false}} and nothing more.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7662#section-2">RFC 7662 §2</a>
 */
@Path("/oauth/introspect")
public class IntrospectResource {

    private static final Logger LOG = Logger.getLogger(IntrospectResource.class);
    static final String INACTIVE = "{\"active\":false}";

    private final CallerAuthenticator callers;
    private final JwtVerifier verifier;
    private final RevocationView revocations;
    private final OpaqueTokenLookup opaque;

    public IntrospectResource(CallerAuthenticator callers, JwtVerifier verifier, RevocationView revocations,
            OpaqueTokenLookup opaque) {
        this.callers = callers;
        this.verifier = verifier;
        this.revocations = revocations;
        this.opaque = opaque;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> introspect(@HeaderParam("Content-Type") String contentType,
            @HeaderParam("Authorization") String authorization, String body, @Context HttpServerRequest http) {
        FormBody.requireFormContentType(contentType);
        Map<String, String> params = FormBody.parse(body);
        String token = params.get("token");
        if (token == null) {
            throw OAuthException.invalidRequest("Missing token");
        }
        String remote = http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
        return callers.authenticate(authorization, remote)
                .chain(caller -> JwtVerifier.looksLikeJwt(token) ? jwt(token) : opaque(token, remote))
                .map(json -> Response.ok(json, MediaType.APPLICATION_JSON_TYPE)
                        .header("Cache-Control", "no-store")
                        .build());
    }

    private Uni<String> jwt(String token) {
        return verifier.verify(token)
                .map(t -> revocations.isRevoked(t) ? INACTIVE : active(t))
                .onFailure().recoverWithItem(e -> {
                    LOG.debugf("inactive JWT: %s", e.getMessage());
                    return INACTIVE;
                });
    }

    private Uni<String> opaque(String token, String usedFrom) {
        return opaque.resolve(token, usedFrom)
                .map(found -> found.map(IntrospectResource::active).orElse(INACTIVE));
    }

    static String active(VerifiedToken t) {
        return new IntrospectionJson()
                .field("scope", t.scope())
                .field("client_id", t.clientId())
                .field("sub", t.subject())
                .number("exp", t.expiresAt())
                .number("iat", t.issuedAt())
                .field("iss", t.issuer())
                .audience(t.audience())
                .field("jti", t.jti())
                .field("sid", t.sessionId())
                .field("token_type", "Bearer")
                .field("forge_token_kind", "jwt")
                .build();
    }

    static String active(TokenInfo t) {
        return new IntrospectionJson()
                .field("scope", t.scope())
                .field("client_id", t.clientId())
                .field("sub", t.subject())
                .number("exp", t.expiresAt())
                .number("iat", t.issuedAt())
                // the id its revocation is announced under (RFC 7662 §2.2 jti): lets a caching resource
                // server drop just this answer when it learns the revocation. Not for refresh tokens,
                // whose id is their session's, shared by the whole family (they are no API credential)
                .field("jti", "refresh_token".equals(t.kind()) ? null : t.tokenId())
                .field("token_type", "Bearer")
                .field("forge_token_kind", t.kind())
                .build();
    }
}
