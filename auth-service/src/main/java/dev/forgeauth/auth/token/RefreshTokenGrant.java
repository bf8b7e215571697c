package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.session.LoginService;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code grant_type=refresh_token} for OAuth clients, public ones included: rotation on every use, reuse
 * ends the family (the same rules as {@code POST /auth/refresh}). A refresh token works only for the
 * client it was issued to, authenticated (public clients: by client_id), and not for a later client
 * registered under the same id after the first was deleted (RFC 9700 §4.14).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-6">RFC 6749 §6</a>
 */
@ApplicationScoped
public class RefreshTokenGrant implements GrantHandler {

    private final LoginService login;

    public RefreshTokenGrant(LoginService login) {
        this.login = login;
    }

    @Override
    public String grantType() {
        return "refresh_token";
    }

    @Override
    public Uni<TokenResponse> handle(TokenRequest request, Client client) {
        String token = request.parameters().get("refresh_token");
        if (token == null) {
            throw OAuthException.invalidRequest("Missing refresh_token");
        }
        return login.refresh(token, request.remoteAddress(), client)
                .map(l -> new TokenResponse(l.accessToken(), "Bearer", l.expiresIn(), l.scope(), l.refreshToken()));
    }
}
