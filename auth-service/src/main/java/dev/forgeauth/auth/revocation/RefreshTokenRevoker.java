package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.client.Client;
import dev.forgeauth.auth.session.RefreshTokens;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Refresh tokens at the revocation endpoint: revoking one ends its grant (the session it belongs to),
 * which revokes the whole family and every access token of it (RFC 7009 §2.1: "SHOULD also invalidate
 * all access tokens based on the same authorization grant"). Only the client it was issued to, or an
 * admin client, may revoke it.
 */
@ApplicationScoped
public class RefreshTokenRevoker implements TokenRevoker {

    private final Pool pool;
    private final RefreshTokens refreshTokens;
    private final SessionStore sessions;

    public RefreshTokenRevoker(Pool pool, RefreshTokens refreshTokens, SessionStore sessions) {
        this.pool = pool;
        this.refreshTokens = refreshTokens;
        this.sessions = sessions;
    }

    @Override
    public boolean recognises(String token) {
        return token.startsWith(OpaqueTokens.REFRESH);
    }

    @Override
    public Uni<Void> revoke(String token, Client caller) {
        if (!OpaqueTokens.isValid(token, OpaqueTokens.REFRESH)) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("SELECT family_id, session_id, user_id, client_id FROM refresh_token WHERE token_hash = $1")
                .execute(Tuple.of(refreshTokens.hashOf(token)))
                .chain(rs -> {
                    if (!rs.iterator().hasNext()) {
                        return Uni.createFrom().voidItem();
                    }
                    var r = rs.iterator().next();
                    if (!caller.clientId().equals(r.getString("client_id")) && !caller.scopes().contains(JwtRevoker.ADMIN)) {
                        return Uni.createFrom().failure(OAuthException.unauthorizedClient(
                                "The token was not issued to this client"));
                    }
                    UUID session = r.getUUID("session_id");
                    Uni<Void> family = refreshTokens.revokeFamily(r.getUUID("family_id")).call(sessions::evictCached)
                            .replaceWithVoid();
                    return session == null ? family
                            : family.chain(() -> sessions.end(session, r.getUUID("user_id"))).replaceWithVoid();
                });
    }
}
