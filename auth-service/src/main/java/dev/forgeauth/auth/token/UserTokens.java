package dev.forgeauth.auth.token;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.auth.session.RefreshTokens;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.auth.user.User;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.UUID;

/**
 * Tokens a client receives on a user's behalf (authorization code, device code): an access token bound
 * to a grant session ({@code sid}), a refresh token when the client may refresh, and an ID token when
 * {@code openid} was granted. Ending the grant session revokes all of them.
 */
@ApplicationScoped
public class UserTokens {

    private final SessionStore sessions;
    private final RefreshTokens refreshTokens;
    private final AccessTokenIssuer accessTokens;
    private final IdTokenIssuer idTokens;

    public UserTokens(SessionStore sessions, RefreshTokens refreshTokens, AccessTokenIssuer accessTokens,
            IdTokenIssuer idTokens) {
        this.sessions = sessions;
        this.refreshTokens = refreshTokens;
        this.accessTokens = accessTokens;
        this.idTokens = idTokens;
    }

    public Uni<TokenResponse> issue(UUID grantSession, User user, Client client, String scope, String nonce,
            long authTime, String amr, String ip) {
        Set<String> scopes = Scopes.parse(scope);
        return sessions.create(grantSession, user.id(), amr, "oauth client " + client.clientId(), ip)
                .chain(created -> client.allowsGrant("refresh_token")
                        ? refreshTokens.issue(user.id(), grantSession, client.clientId(), scope)
                        : Uni.createFrom().<String>nullItem())
                .map(refresh -> {
                    int ttl = client.accessTokenTtl();
                    var at = accessTokens.issue(new AccessTokenIssuer.AccessTokenRequest(user.id().toString(),
                            client.clientId(), scope, ttl, grantSession.toString()));
                    String id = scopes.contains("openid")
                            ? idTokens.issue(user.id().toString(), client.clientId(), nonce, authTime, amr,
                                    grantSession.toString(), scopes.contains("email") ? user.email() : null, ttl)
                            : null;
                    return new TokenResponse(at.token(), "Bearer", ttl, scope, refresh, id);
                });
    }
}
