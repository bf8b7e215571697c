package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Service-to-service tokens: the client acts on its own behalf, so {@code sub} is the client id and no
 * refresh token is issued (RFC 6749 §4.4.3).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-4.4">RFC 6749 §4.4</a>
 */
@ApplicationScoped
public class ClientCredentialsGrant implements GrantHandler {

    public static final String GRANT_TYPE = "client_credentials";

    private final AccessTokenIssuer issuer;

    public ClientCredentialsGrant(AccessTokenIssuer issuer) {
        this.issuer = issuer;
    }

    @Override
    public String grantType() {
        return GRANT_TYPE;
    }

    @Override
    public Uni<TokenResponse> handle(TokenRequest request, Client client) {
        if (client.isPublic()) {
            throw OAuthException.unauthorizedClient("Public clients cannot use the client_credentials grant");
        }
        Set<String> granted = requestedScopes(request, client);
        String scope = Scopes.join(granted);
        AccessTokenIssuer.IssuedToken token = issuer.issue(new AccessTokenIssuer.AccessTokenRequest(
                client.clientId(), client.clientId(), scope, client.accessTokenTtl()));
        return Uni.createFrom().item(new TokenResponse(token.token(), "Bearer", client.accessTokenTtl(),
                scope, null));
    }

    /** RFC 6749 §3.3: no scope asked means the client's registered scope. */
    static Set<String> requestedScopes(TokenRequest request, Client client) {
        String raw = request.parameters().get("scope");
        if (raw == null) {
            return client.scopes();
        }
        Set<String> asked = Scopes.parseStrict(raw);
        if (asked == null || asked.isEmpty()) {
            throw OAuthException.invalidScope("The scope parameter is malformed");
        }
        for (String s : asked) {
            if (!client.scopes().contains(s)) {
                throw OAuthException.invalidScope("Scope '" + s + "' is not allowed for this client");
            }
        }
        return asked;
    }
}
