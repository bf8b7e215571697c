package dev.forgeauth.auth.user;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeauth.auth.audit.AuditLog;
import dev.forgeauth.auth.client.Scopes;
import dev.forgeauth.auth.revocation.DerivedRevocation;
import dev.forgeauth.auth.revocation.RevocationStore;
import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.http.JsonFields;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Creating, changing and removing users; removal revokes every credential the user holds. */
@ApplicationScoped
public class UserService {

    static final List<String> DEFAULT_SCOPES = List.of("deployment:read");

    private final UserRepository users;
    private final PasswordHasher passwords;
    private final RevocationStore revocations;
    private final SessionStore sessions;
    private final AuditLog audit;
    private final Pool pool;
    private final DerivedRevocation derived;

    public UserService(UserRepository users, PasswordHasher passwords, RevocationStore revocations,
            SessionStore sessions, AuditLog audit, Pool pool, DerivedRevocation derived) {
        this.derived = derived;
        this.users = users;
        this.passwords = passwords;
        this.revocations = revocations;
        this.sessions = sessions;
        this.audit = audit;
        this.pool = pool;
    }

    /** A user as the audit trail records it: email and scopes (never the password or its hash). */
    static JsonObject auditView(User u) {
        return new JsonObject().put("email", u.email()).put("scopes", new io.vertx.core.json.JsonArray(List.copyOf(u.scopes())));
    }

    public Uni<User> create(JsonNode body, AuditLog.Actor actor) {
        String email = Emails.normalise(JsonFields.requiredText(body, "email", 320));
        if (email == null) {
            throw OAuthException.invalidRequest("email is not a valid address");
        }
        String password = JsonFields.requiredText(body, "password", 1024);
        PasswordPolicy.check(password, email);
        List<String> scopes = body.has("scopes") ? scopes(body.get("scopes")) : DEFAULT_SCOPES;
        UUID id = UUID.randomUUID();
        return passwords.hash(password)
                .chain(hash -> users.insert(id, email, hash, scopes))
                .chain(inserted -> {
                    if (!inserted) {
                        return Uni.createFrom().failure(new OAuthException("invalid_request",
                                "A user with this email already exists", 409));
                    }
                    return users.findById(id);
                })
                .call(u -> audit.admin(AuditLog.USER_CREATED, actor, u.id(), u.id().toString(), null, auditView(u)));
    }

    public Uni<User> update(UUID id, JsonNode body, AuditLog.Actor actor) {
        JsonFields.object(body);
        return users.findById(id).chain(current -> {
            if (current == null) {
                return Uni.createFrom().failure(OAuthException.notFound("No such user"));
            }
            String email = current.email();
            if (body.has("email")) {
                email = Emails.normalise(JsonFields.requiredText(body, "email", 320));
                if (email == null) {
                    return Uni.createFrom().failure(OAuthException.invalidRequest("email is not a valid address"));
                }
            }
            List<String> scopes = body.has("scopes") ? scopes(body.get("scopes")) : current.scopes();
            String finalEmail = email;
            Uni<String> hash = Uni.createFrom().item(current.passwordHash());
            if (body.has("password")) {
                String password = JsonFields.requiredText(body, "password", 1024);
                PasswordPolicy.check(password, email);
                hash = passwords.hash(password);
            }
            List<String> fields = fieldNames(body.fieldNames());
            boolean passwordChanged = body.has("password");
            boolean reduced = !Set.copyOf(scopes).containsAll(current.scopes());
            return hash.chain(h -> users.update(id, finalEmail, h, scopes))
                    .onFailure(e -> String.valueOf(e.getMessage()).contains("app_user_email_key"))
                    .transform(e -> new OAuthException("invalid_request", "A user with this email already exists", 409))
                    // what the user can no longer hold goes from every credential derived from them
                    .call(u -> reduced ? derived.scopesReduced(id, scopes) : Uni.createFrom().voidItem())
                    // old and new values of what can be shown; a new password only as the fact that it changed
                    .call(u -> audit.admin(AuditLog.USER_CHANGED, actor, id, id.toString(), auditView(current),
                            auditView(u).put("fields", new io.vertx.core.json.JsonArray(fields))
                                    .put("password_changed", passwordChanged)));
        });
    }

    /**
     * Deletes the user and everything they hold: a subject cut-off revokes their access tokens everywhere,
     * their sessions and refresh tokens go with the row, cached introspection answers are dropped.
     */
    public Uni<Boolean> delete(UUID id, AuditLog.Actor actor) {
        return users.findById(id).chain(before -> delete(id, actor, before));
    }

    private Uni<Boolean> delete(UUID id, AuditLog.Actor actor, User before) {
        return pool.preparedQuery("SELECT token_hash FROM user_session WHERE user_id = $1 UNION ALL "
                        + "SELECT token_hash FROM refresh_token WHERE user_id = $1 UNION ALL "
                        + "SELECT token_hash FROM personal_token WHERE user_id = $1").execute(Tuple.of(id))
                .map(rs -> {
                    List<String> hashes = new ArrayList<>();
                    for (Row r : rs) {
                        hashes.add(r.getString("token_hash"));
                    }
                    return hashes;
                })
                .chain(hashes -> users.delete(id).chain(deleted -> {
                    if (!deleted) {
                        return Uni.createFrom().item(false);
                    }
                    // stored state first (row gone, caches dropped), then the announcement: a reader that
                    // reacts to it can only find the new state
                    return sessions.evictCached(hashes)
                            .chain(() -> revocations.cutOff("subject", id.toString(), System.currentTimeMillis() / 1000 + 1))
                            .call(() -> audit.admin(AuditLog.USER_DELETED, actor, id, id.toString(),
                                    before == null ? null : auditView(before), null))
                            .replaceWith(true);
                }));
    }

    static List<String> scopes(JsonNode node) {
        if (node == null || !node.isArray()) {
            throw OAuthException.invalidRequest("scopes must be an array of strings");
        }
        if (node.size() > Scopes.MAX_SCOPES) {
            throw OAuthException.invalidRequest("too many scopes");
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode s : node) {
            if (!s.isTextual() || Scopes.parseStrict(s.textValue()) == null || s.textValue().contains(" ")
                    || s.textValue().isEmpty()) {
                throw OAuthException.invalidRequest("each scope must be one scope token (RFC 6749 §3.3)");
            }
            out.add(s.textValue());
        }
        return List.copyOf(out);
    }

    private static <T> List<T> fieldNames(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
