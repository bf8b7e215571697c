package dev.forgeauth.auth.session;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.security.BearerAuth;
import dev.forgeauth.core.error.OAuthException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;

/**
 * Who is calling a user endpoint ({@code /auth/sessions}, {@code /auth/mfa/*}, {@code /auth/logout}):
 * a login access token (Bearer, its session still live) or the {@code df_session} cookie.
 */
@ApplicationScoped
public class UserAuth {

    /** The signed-in user and the session the request belongs to. */
    public record SignedIn(UUID userId, UUID sessionId) {
    }

    private final BearerAuth bearer;
    private final SessionStore sessions;
    private final ForgeConfig config;

    public UserAuth(BearerAuth bearer, SessionStore sessions, ForgeConfig config) {
        this.bearer = bearer;
        this.sessions = sessions;
        this.config = config;
    }

    public Uni<SignedIn> require(String authorization, String cookie) {
        if (authorization != null && !authorization.isBlank()) {
            return bearer.require(authorization, null).chain(caller -> {
                boolean firstParty = config.login().clientId().equals(caller.clientId())
                        || config.login().firstPartyClients().contains(caller.clientId());
                if (!firstParty || caller.sessionId() == null) {
                    return Uni.createFrom().failure(OAuthException.invalidToken("This endpoint needs a user's login token"));
                }
                UUID sid;
                UUID uid;
                try {
                    sid = UUID.fromString(caller.sessionId());
                    uid = UUID.fromString(caller.subject());
                } catch (IllegalArgumentException e) {
                    return Uni.createFrom().failure(OAuthException.invalidToken("The access token is invalid"));
                }
                return sessions.findLive(sid).map(s -> {
                    if (s == null || !s.userId().equals(uid)) {
                        throw OAuthException.invalidToken("The session has ended");
                    }
                    return new SignedIn(uid, sid);
                });
            });
        }
        if (cookie != null && !cookie.isBlank()) {
            return sessions.findByCookie(cookie).map(s -> {
                if (s == null) {
                    throw OAuthException.invalidToken("The session has ended or is invalid");
                }
                return new SignedIn(s.userId(), s.id());
            });
        }
        return Uni.createFrom().failure(OAuthException.missingToken("Sign in first"));
    }
}
