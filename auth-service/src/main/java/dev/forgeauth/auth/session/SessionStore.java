package dev.forgeauth.auth.session;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.auth.revocation.RevocationStore;
import dev.forgeauth.core.crypto.SecretHasher;
import dev.forgeauth.core.revocation.RevocationKeys;
import dev.forgeauth.core.token.OpaqueTokens;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Server-side sessions. The cookie value ({@code dfs_…}) is stored only as its keyed hash. Ending a
 * session revokes its refresh tokens and, through the revocation feed (the session id is revoked like a
 * token id, and access tokens carry it as {@code sid}), every access token issued in it.
 */
@ApplicationScoped
public class SessionStore {

    /** A session as listed to its user. */
    public record Session(UUID id, UUID userId, String amr, String userAgent, String ip, Instant createdAt,
            Instant lastSeenAt, Instant expiresAt) {
    }

    /** A new session and its cookie value (the only time the value exists in clear). */
    public record Created(Session session, String cookie) {
    }

    private final Pool pool;
    private final SecretHasher hasher;
    private final RevocationStore revocations;
    private final ReactiveRedisDataSource redis;
    private final ForgeConfig config;

    public SessionStore(Pool pool, SecretHasher hasher, RevocationStore revocations, ReactiveRedisDataSource redis,
            ForgeConfig config) {
        this.pool = pool;
        this.hasher = hasher;
        this.revocations = revocations;
        this.redis = redis;
        this.config = config;
    }

    public Uni<Created> create(UUID userId, String amr, String userAgent, String ip) {
        return create(UUID.randomUUID(), userId, amr, userAgent, ip);
    }

    /** A session with a chosen id (a grant session, whose id was bound to an authorization code first). */
    public Uni<Created> create(UUID id, UUID userId, String amr, String userAgent, String ip) {
        String cookie = OpaqueTokens.generate(OpaqueTokens.SESSION);
        Instant now = Instant.now();
        Instant expires = now.plus(config.session().absoluteLifetime());
        String ua = userAgent == null ? null : userAgent.length() > 300 ? userAgent.substring(0, 300) : userAgent;
        return pool.preparedQuery("INSERT INTO user_session (id, token_hash, user_id, amr, user_agent, ip, created_at, "
                + "last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)")
                .execute(Tuple.from(new Object[] {id, hasher.hash(cookie), userId, amr, ua, ip, utc(now), utc(expires)}))
                .map(rs -> new Created(new Session(id, userId, amr, ua, ip, now, now, expires), cookie));
    }

    /** The live session behind a cookie value, or null. */
    public Uni<Session> findByCookie(String cookie) {
        if (!OpaqueTokens.isValid(cookie, OpaqueTokens.SESSION)) {
            return Uni.createFrom().nullItem();
        }
        return one("SELECT * FROM user_session WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > now()",
                Tuple.of(hasher.hash(cookie)));
    }

    /** The live session with this id, or null. */
    public Uni<Session> findLive(UUID id) {
        return one("SELECT * FROM user_session WHERE id = $1 AND ended_at IS NULL AND expires_at > now()", Tuple.of(id));
    }

    public Uni<List<Session>> listLive(UUID userId) {
        return pool.preparedQuery("SELECT * FROM user_session WHERE user_id = $1 AND ended_at IS NULL "
                + "AND expires_at > now() ORDER BY created_at DESC").execute(Tuple.of(userId))
                .map(rs -> {
                    List<Session> out = new ArrayList<>();
                    for (Row r : rs) {
                        out.add(toSession(r));
                    }
                    return out;
                });
    }

    public Uni<Void> touch(UUID id, String ip) {
        return pool.preparedQuery("UPDATE user_session SET last_seen_at = now(), ip = coalesce($2, ip) WHERE id = $1")
                .execute(Tuple.of(id, ip)).replaceWithVoid();
    }

    /**
     * Ends a session of {@code userId}: marks it ended, revokes its refresh tokens, publishes the session
     * id as revoked (its access tokens stop everywhere) and drops cached introspection answers. False when
     * there is no such live session of that user.
     */
    public Uni<Boolean> end(UUID sessionId, UUID userId) {
        return pool.withTransaction(conn -> conn.preparedQuery("UPDATE user_session SET ended_at = now() "
                        + "WHERE id = $1 AND user_id = $2 AND ended_at IS NULL RETURNING token_hash, expires_at")
                .execute(Tuple.of(sessionId, userId))
                .chain(rs -> {
                    if (!rs.iterator().hasNext()) {
                        return Uni.createFrom().item((List<String>) null);
                    }
                    Row r = rs.iterator().next();
                    List<String> hashes = new ArrayList<>();
                    hashes.add(r.getString("token_hash"));
                    long exp = r.getOffsetDateTime("expires_at").toEpochSecond();
                    return conn.preparedQuery("UPDATE refresh_token SET revoked_at = now() WHERE session_id = $1 "
                                    + "AND revoked_at IS NULL RETURNING token_hash")
                            .execute(Tuple.of(sessionId))
                            .map(refresh -> {
                                for (Row t : refresh) {
                                    hashes.add(t.getString("token_hash"));
                                }
                                hashes.add(0, Long.toString(exp));
                                return hashes;
                            });
                }))
                .chain(list -> {
                    if (list == null) {
                        return Uni.createFrom().item(false);
                    }
                    long exp = Long.parseLong(list.get(0));
                    return evictCached(list.subList(1, list.size()))
                            .chain(() -> revocations.revokeSession(sessionId.toString(),
                                    config.login().clientId(), userId.toString(), exp))
                            .replaceWith(true);
                });
    }

    /** Drops the introspection service's cached answers for these token hashes. */
    public Uni<Void> evictCached(List<String> tokenHashes) {
        if (tokenHashes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] keys = tokenHashes.stream().map(h -> RevocationKeys.OPAQUE_CACHE + h).toArray(String[]::new);
        return redis.key().del(keys).replaceWithVoid().onFailure().recoverWithNull();
    }

    private Uni<Session> one(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args)
                .map(rs -> rs.iterator().hasNext() ? toSession(rs.iterator().next()) : null);
    }

    static Session toSession(Row r) {
        return new Session(r.getUUID("id"), r.getUUID("user_id"), r.getString("amr"), r.getString("user_agent"),
                r.getString("ip"), r.getOffsetDateTime("created_at").toInstant(),
                r.getOffsetDateTime("last_seen_at").toInstant(), r.getOffsetDateTime("expires_at").toInstant());
    }

    static OffsetDateTime utc(Instant i) {
        return i.atOffset(ZoneOffset.UTC);
    }
}
