package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.session.LoginService;
import dev.forgeauth.auth.session.RefreshTokens;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code grant_type=refresh_token} for OAuth clients, public ones included: rotation on every use, reuse
 * ends the family (the same rules as {@code POST /auth/refresh}). A refresh token works only for the
 * client it was issued to.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-6">RFC 6749 §6</a>
 */
@ApplicationScoped
public class RefreshTokenGrant implements GrantHandler {

    private final RefreshTokens refreshTokens;
    private final LoginService login;

    public RefreshTokenGrant(RefreshTokens refreshTokens, LoginService login) {
        this.refreshTokens = refreshTokens;
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
        return refreshTokens.clientOf(token).chain(owner -> {
            if (owner == null || !owner.equals(client.clientId())) {
                return Uni.createFrom().failure(OAuthException.invalidGrant("The refresh token is invalid"));
            }
            return login.refresh(token, request.remoteAddress(), client.accessTokenTtl())
                    .map(l -> new TokenResponse(l.accessToken(), "Bearer", l.expiresIn(), l.scope(), l.refreshToken()));
        });
    }
}
