package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.core.error.OAuthErrors;
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
import java.util.HashMap;
import java.util.Map;

/**
 * The token endpoint: parses the request once, authenticates the client, hands the request to the
 * grant's handler.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-3.2">RFC 6749 §3.2</a>
 */
@Path("/oauth/token")
public class TokenResource {

    private final Map<String, GrantHandler> handlers = new HashMap<>();
    private final ClientAuthenticator authenticator;

    public TokenResource(Instance<GrantHandler> grantHandlers, ClientAuthenticator authenticator) {
        for (GrantHandler h : grantHandlers) {
            handlers.put(h.grantType(), h);
        }
        this.authenticator = authenticator;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> token(@HeaderParam("Content-Type") String contentType,
            @HeaderParam("Authorization") String authorization, String body, @Context HttpServerRequest http) {
        FormBody.requireFormContentType(contentType);
        Map<String, String> params = FormBody.parse(body);
        String remote = http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
        String grantType = params.remove("grant_type");
        if (grantType == null) {
            throw OAuthException.invalidRequest("Missing grant_type");
        }
        GrantHandler handler = handlers.get(grantType);
        if (handler == null) {
            throw new OAuthException(OAuthErrors.UNSUPPORTED_GRANT_TYPE,
                    "Grant type '" + FormBody.printable(grantType) + "' is not supported", 400);
        }
        return authenticator.authenticate(authorization, params, remote)
                .chain(client -> {
                    requireGrantAllowed(client, grantType);
                    return handler.handle(new TokenRequest(grantType, Map.copyOf(params), remote), client);
                })
                .map(tr -> Response.ok(tr)
                        .header("Cache-Control", "no-store")
                        .header("Pragma", "no-cache")
                        .build());
    }

    private static void requireGrantAllowed(Client client, String grantType) {
        if (!client.allowsGrant(grantType)) {
            throw OAuthException.unauthorizedClient("This client may not use the " + grantType + " grant");
        }
    }
}
