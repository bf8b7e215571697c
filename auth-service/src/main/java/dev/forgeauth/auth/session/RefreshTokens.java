package dev.forgeauth.auth.session;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.error.OAuthException;
import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * Refresh tokens ({@code df_rt_…}), stored as keyed hashes, rotated on every use. Presenting a rotated
 * token again is reuse: the whole family (every token descended from the same login) is revoked, and its
 * session ended (RFC 9700 §4.14.2, OAuth 2.1 §4.3.1). Two refreshes racing with the same token are
 * serialised by a row lock: exactly one gets the new pair; the other is reuse and ends the family. An
 * operator may set a concurrent leeway ({@code forge.refresh.concurrent-leeway}, default 0): within it a
 * rotated token is refused without ending the family, but only while its successor is unused.
 */
@ApplicationScoped
public class RefreshTokens {

    /** The state a successful rotation hands back. */
    public record Rotated(String refreshToken, UUID userId, UUID sessionId, String clientId, String scope) {
    }

    /** Thrown (as a failure) when reuse was detected; carries what must be ended. */
    public static final class ReuseDetected extends RuntimeException {
        public final UUID familyId;
        public final UUID sessionId;
        public final UUID userId;

        ReuseDetected(UUID familyId, UUID sessionId, UUID userId) {
            super("refresh token reuse", null, false, false);
            this.familyId = familyId;
            this.sessionId = sessionId;
            this.userId = userId;
        }
    }

    private final Pool pool;
    private final SecretHasher hasher;
    private final ForgeConfig config;

    public RefreshTokens(Pool pool, SecretHasher hasher, ForgeConfig config) {
        this.pool = pool;
        this.hasher = hasher;
        this.config = config;
    }

    /** Starts a new family (at login). */
    public Uni<String> issue(UUID userId, UUID sessionId, String clientId, String scope) {
        Instant now = Instant.now();
        return insert(pool, UUID.randomUUID(), sessionId, userId, clientId, scope,
                now.plus(config.refresh().absoluteLifetime()), now);
    }

    private Uni<String> insert(SqlClient client, UUID family, UUID sessionId, UUID userId, String clientId, String scope,
            Instant familyExpires, Instant now) {
        String token = OpaqueTokens.generate(OpaqueTokens.REFRESH);
        Instant idle = now.plus(config.refresh().idleLifetime());
        if (idle.isAfter(familyExpires)) {
            idle = familyExpires;
        }
        return client.preparedQuery("INSERT INTO refresh_token (token_hash, family_id, session_id, user_id, client_id, "
                        + "scope, issued_at, family_expires_at, idle_expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .execute(Tuple.from(new Object[] {hasher.hash(token), family, sessionId, userId, clientId, scope,
                        utc(now), utc(familyExpires), utc(idle)}))
                .replaceWith(token);
    }

    /**
     * Rotates: the presented token dies, a new one of the same family is returned. Only for the client it
     * was issued to (RFC 6749 §6): a token of another client is {@code invalid_grant} and left untouched.
     * {@code clientRegisteredAt} (null for the first-party login) is when the client's registration was
     * created: a token older than it was issued to an earlier, deleted client of the same id and is dead.
     */
    public Uni<Rotated> rotate(String presented, String clientId, Instant clientRegisteredAt) {
        if (!OpaqueTokens.isValid(presented, OpaqueTokens.REFRESH)) {
            return Uni.createFrom().failure(OAuthException.invalidGrant("The refresh token is invalid"));
        }
        String hash = hasher.hash(presented);
        Duration leeway = config.refresh().concurrentLeeway();
        return pool.withTransaction(conn -> conn.preparedQuery("SELECT * FROM refresh_token WHERE token_hash = $1 FOR UPDATE")
                .execute(Tuple.of(hash))
                .chain(rs -> {
                    if (!rs.iterator().hasNext()) {
                        return Uni.createFrom().failure(OAuthException.invalidGrant("The refresh token is invalid"));
                    }
                    Row r = rs.iterator().next();
                    if (!clientId.equals(r.getString("client_id"))) {
                        return Uni.createFrom().failure(OAuthException.invalidGrant("The refresh token is invalid"));
                    }
                    if (clientRegisteredAt != null
                            && r.getOffsetDateTime("issued_at").toInstant().isBefore(clientRegisteredAt)) {
                        return Uni.createFrom().failure(OAuthException.invalidGrant("The refresh token has been revoked"));
                    }
                    Instant now = Instant.now();
                    UUID family = r.getUUID("family_id");
                    UUID session = r.getUUID("session_id");
                    UUID user = r.getUUID("user_id");
                    OffsetDateTime rotatedAt = r.getOffsetDateTime("rotated_at");
                    if (r.getOffsetDateTime("revoked_at") != null) {
                        return Uni.createFrom().failure(OAuthException.invalidGrant("The refresh token has been revoked"));
                    }
                    if (rotatedAt != null) {
                        if (leeway.isZero() || !rotatedAt.toInstant().plus(leeway).isAfter(now)) {
                            return Uni.createFrom().failure(new ReuseDetected(family, session, user));
                        }
                        // Within the leeway the request may be the loser of a race between two requests of
                        // the same client, but only while the successor is still unused: once the chain has
                        // moved on, this is a replay, whatever the time (RFC 9700 §4.14.2).
                        return conn.preparedQuery("SELECT 1 FROM refresh_token WHERE family_id = $1 "
                                        + "AND rotated_at > $2 LIMIT 1")
                                .execute(Tuple.of(family, rotatedAt))
                                .chain(later -> Uni.createFrom().failure(later.iterator().hasNext()
                                        ? new ReuseDetected(family, session, user)
                                        : OAuthException.invalidGrant(
                                                "The refresh token was just used by a concurrent request")));
                    }
                    Instant familyExpires = r.getOffsetDateTime("family_expires_at").toInstant();
                    if (!familyExpires.isAfter(now) || !r.getOffsetDateTime("idle_expires_at").toInstant().isAfter(now)) {
                        return Uni.createFrom().failure(OAuthException.invalidGrant("The refresh token has expired"));
                    }
                    String scope = r.getString("scope");
                    return conn.preparedQuery("UPDATE refresh_token SET rotated_at = now() WHERE token_hash = $1")
                            .execute(Tuple.of(hash))
                            .chain(() -> insert(conn, family, session, user, clientId, scope, familyExpires, now))
                            .map(next -> new Rotated(next, user, session, clientId, scope));
                }));
    }

    /** Revokes every token of a family; answers the hashes revoked (for cache eviction). */
    public Uni<java.util.List<String>> revokeFamily(UUID family) {
        return pool.preparedQuery("UPDATE refresh_token SET revoked_at = now() WHERE family_id = $1 "
                        + "AND revoked_at IS NULL RETURNING token_hash")
                .execute(Tuple.of(family))
                .map(rs -> {
                    java.util.List<String> out = new java.util.ArrayList<>();
                    for (Row r : rs) {
                        out.add(r.getString("token_hash"));
                    }
                    return out;
                });
    }

    public String hashOf(String token) {
        return hasher.hash(token);
    }

    static OffsetDateTime utc(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
