package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.token.ClientAuthenticator;
import dev.forgeauth.core.http.FormBody;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The revocation endpoint. The caller authenticates as a client (as at the token endpoint); the token
 * goes to the first {@link TokenRevoker} that recognises it. Unknown, invalid and already revoked
 * tokens answer 200 as RFC 7009 §2.2 asks, so the endpoint tells nothing about a token's validity.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7009#section-2">RFC 7009 §2</a>
 */
@Path("/oauth/revoke")
public class RevokeResource {

    private final List<TokenRevoker> revokers = new ArrayList<>();
    private final ClientAuthenticator authenticator;
    private final RevocationLimits limits;

    public RevokeResource(Instance<TokenRevoker> revokers, ClientAuthenticator authenticator, RevocationLimits limits) {
        revokers.forEach(this.revokers::add);
        this.authenticator = authenticator;
        this.limits = limits;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> revoke(@HeaderParam("Content-Type") String contentType,
            @HeaderParam("Authorization") String authorization, String body, @Context HttpServerRequest http) {
        FormBody.requireFormContentType(contentType);
        Map<String, String> params = FormBody.parse(body);
        String token = params.remove("token");
        params.remove("token_type_hint"); // a hint only: every revoker recognises its own kind
        if (token == null) {
            throw OAuthException.invalidRequest("Missing token");
        }
        String remote = http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
        return authenticator.authenticate(authorization, params, remote)
                .call(client -> limits.revocation(client, remote))
                .chain(client -> {
                    for (TokenRevoker r : revokers) {
                        if (r.recognises(token)) {
                            return r.revoke(token, client);
                        }
                    }
                    return Uni.createFrom().voidItem();
                })
                .map(v -> Response.ok().header("Cache-Control", "no-store").build());
    }
}
