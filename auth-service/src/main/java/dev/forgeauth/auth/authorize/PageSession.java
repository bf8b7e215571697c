package dev.forgeauth.auth.authorize;

import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.auth.user.User;
import dev.forgeauth.auth.user.UserRepository;
import dev.forgeauth.core.crypto.SecretHasher;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;

/**
 * The signed-in user of a page (cookie {@code df_session}) and the CSRF token of that session's forms: a
 * keyed hash of the session id, so it needs no storage, differs per session and cannot be guessed.
 */
@ApplicationScoped
public class PageSession {

    /** A signed-in page visitor. */
    public record Visitor(User user, UUID sessionId, String csrf) {
        public boolean csrfMatches(String presented) {
            return presented != null && MessageDigest.isEqual(csrf.getBytes(StandardCharsets.UTF_8),
                    presented.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final SessionStore sessions;
    private final UserRepository users;
    private final SecretHasher hasher;

    public PageSession(SessionStore sessions, UserRepository users, SecretHasher hasher) {
        this.sessions = sessions;
        this.users = users;
        this.hasher = hasher;
    }

    /** The visitor, or null when not signed in. */
    public Uni<Visitor> visitor(String cookie) {
        if (cookie == null) {
            return Uni.createFrom().nullItem();
        }
        return sessions.findByCookie(cookie).chain(s -> s == null ? Uni.createFrom().<Visitor>nullItem()
                : users.findById(s.userId()).map(u -> u == null ? null
                        : new Visitor(u, s.id(), hasher.hash("csrf:" + s.id()))));
    }
}
