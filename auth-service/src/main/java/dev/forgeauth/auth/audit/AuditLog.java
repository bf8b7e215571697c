package dev.forgeauth.auth.audit;

import io.smallrye.mutiny.Uni;
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

    private final Pool pool;

    public AuditLog(Pool pool) {
        this.pool = pool;
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
