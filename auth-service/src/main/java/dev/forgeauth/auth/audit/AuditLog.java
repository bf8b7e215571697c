package dev.forgeauth.auth.audit;

import dev.forgeauth.auth.security.BearerAuth;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Security events: stored in PostgreSQL and logged as one structured line each (logger
 * {@code forge.audit}). Callers pass identifiers and outcomes only, never a secret, token or password;
 * an audit write that fails is logged and never fails the request it describes.
 */
@ApplicationScoped
public class AuditLog {

    private static final Logger LOG = Logger.getLogger("forge.audit");

    public static final String LOGIN_OK = "login.succeeded";
    public static final String LOGIN_FAILED = "login.failed";
    public static final String LOGIN_THROTTLED = "login.throttled";
    public static final String MFA_FAILED = "mfa.failed";
    public static final String MFA_ENROLLED = "mfa.enrolled";
    public static final String MFA_DISABLED = "mfa.disabled";
    public static final String BACKUP_CODE_USED = "mfa.backup_code_used";
    public static final String SESSION_ENDED = "session.ended";
    public static final String REFRESH_REUSED = "refresh.reuse_detected";
    public static final String USER_CREATED = "user.created";
    public static final String USER_CHANGED = "user.changed";
    public static final String USER_DELETED = "user.deleted";
    public static final String CLIENT_CHANGED = "client.changed";
    public static final String CLIENT_CREATED = "client.created";
    public static final String CLIENT_DELETED = "client.deleted";
    public static final String CLIENT_SECRET_ROTATED = "client.secret_rotated";
    public static final String KEYS_ROTATED = "keys.rotated";
    public static final String CUT_OFF = "revocation.cut_off";

    /**
     * Who made an admin change: the admin token's subject and client, and the address the request came
     * from (the client's, behind the trusted gateway).
     */
    public record Actor(String subject, String clientId, String address) {

        public static Actor of(BearerAuth.Caller caller, HttpServerRequest http) {
            String address = http == null || http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
            return new Actor(caller.subject(), caller.clientId(), address);
        }

        JsonObject json() {
            return new JsonObject().put("subject", subject).put("client_id", clientId);
        }
    }

    private final Pool pool;

    public AuditLog(Pool pool) {
        this.pool = pool;
    }

    /**
     * An admin change: the actor (client id and address in their columns, subject in the detail), what it
     * changed ({@code target}; a user also in {@code user_id}) and the values before and after — field
     * values only, never a secret, hash or token ({@code null} for what did not exist).
     */
    public Uni<Void> admin(String type, Actor actor, UUID userId, String target, JsonObject before, JsonObject after) {
        JsonObject d = new JsonObject().put("actor", actor.json()).put("target", target);
        if (before != null) {
            d.put("before", before);
        }
        if (after != null) {
            d.put("after", after);
        }
        return record(type, userId, actor.clientId(), actor.address(), d);
    }

    public Uni<Void> record(String type, UUID userId, String clientId, String ip, JsonObject detail) {
        JsonObject d = detail == null ? new JsonObject() : detail;
        LOG.infof("event=%s user=%s client=%s ip=%s detail=%s", type, userId, clientId, ip, d.encode());
        return pool.preparedQuery("INSERT INTO audit_event (type, user_id, client_id, ip, detail) VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.of(type, userId, clientId, ip, d))
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("audit event %s not stored: %s", type, e.getMessage());
                    return null;
                });
    }
}
