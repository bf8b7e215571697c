package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.config.ForgeConfig;
import dev.forgeauth.core.revocation.RevocationKeys;
import dev.forgeauth.core.revocation.RevocationView;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.sortedset.ScoreRange;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Writes revocations: durable in PostgreSQL first (a revocation that returned 200 survives anything),
 * then into Redis (the shared copy every instance loads) and out on the pub/sub channel (so every
 * instance learns at once). If Redis fails, the revocation still stands in PostgreSQL and Redis is
 * re-seeded from it as soon as it answers again; the same happens after a Redis restart, which the
 * missing seed marker reveals.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7009">RFC 7009</a>
 */
@ApplicationScoped
public class RevocationStore {

    private static final Logger LOG = Logger.getLogger(RevocationStore.class);

    private final Pool pool;
    private final ReactiveRedisDataSource redis;
    private final RevocationView view;
    private final ForgeConfig.Revocation settings;
    /** Longest lifetime of an access token that may carry a session id ({@code sid}). */
    private final long sidTokenSeconds;
    /** Starts true: the first sync after a start re-seeds, which also applies shortened lifetimes. */
    private final AtomicBoolean dirty = new AtomicBoolean(true);
    private volatile String marker;

    public RevocationStore(Pool pool, ReactiveRedisDataSource redis, RevocationView view, ForgeConfig config) {
        this.pool = pool;
        this.redis = redis;
        this.view = view;
        this.settings = config.revocation();
        this.sidTokenSeconds = Math.max(config.token().maxTtl(), config.login().accessTokenTtl());
    }

    /**
     * Revokes an opaque credential (PAT, API key). Its row already fails every lookup, so the record only
     * has to outlive the answers cached about it (gateway, introspection): kept for the configured
     * cache TTL plus the margin, or until the credential expires, whichever comes first. A create+delete
     * loop therefore leaves a bounded number of records behind, whatever the credentials' lifetimes.
     */
    public Uni<Void> revokeOpaque(String tokenId, String kind, String subject, Long credentialExpiresAt) {
        return revokeToken(tokenId, kind, null, subject, opaqueUntil(credentialExpiresAt, nowSeconds()));
    }

    /**
     * Revokes a session (browser session or grant session): its own credential as an opaque one, and
     * every access token carrying its {@code sid}, which live at most the longest access-token lifetime
     * from now (no token is issued from an ended session).
     */
    public Uni<Void> revokeSession(String sessionId, String clientId, String subject, long sessionExpiresAt) {
        return revokeToken(sessionId, "session", clientId, subject, sessionUntil(sessionExpiresAt, nowSeconds()));
    }

    long opaqueUntil(Long credentialExpiresAt, long now) {
        long until = now + settings.opaqueCacheTtl().toSeconds() + settings.margin().toSeconds();
        return credentialExpiresAt == null ? until : Math.min(until, credentialExpiresAt + settings.margin().toSeconds());
    }

    long sessionUntil(long sessionExpiresAt, long now) {
        long until = now + Math.max(sidTokenSeconds, settings.opaqueCacheTtl().toSeconds()) + settings.margin().toSeconds();
        return Math.min(until, sessionExpiresAt + settings.margin().toSeconds());
    }

    private static long nowSeconds() {
        return System.currentTimeMillis() / 1000;
    }

    /**
     * Revokes a JWT access token until its {@code exp} plus the margin (verifiers accept a token for a
     * clock skew past its exp): after that it fails verification anyway.
     */
    public Uni<Void> revokeJwt(String jti, String clientId, String subject, long exp) {
        return revokeToken(jti, "jwt", clientId, subject, exp + settings.margin().toSeconds());
    }

    /**
     * Revokes one token until {@code expiresAt} (epoch seconds): the moment its record may be forgotten
     * everywhere (Redis score, PostgreSQL expires_at, the instances' views), margin included.
     */
    public Uni<Void> revokeToken(String tokenId, String kind, String clientId, String subject, long expiresAt) {
        return pool.preparedQuery("""
                INSERT INTO revoked_token (token_id, kind, client_id, subject, expires_at)
                VALUES ($1, $2, $3, $4, $5) ON CONFLICT (token_id) DO NOTHING""")
                .execute(Tuple.of(tokenId, kind, clientId, subject, utc(expiresAt)))
                .invoke(() -> view.addToken(tokenId, expiresAt))
                .chain(() -> toRedis(redis.sortedSet(String.class).zadd(RevocationKeys.TOKENS, expiresAt, tokenId)
                        .replaceWithVoid(),
                        new JsonObject().put("t", "token").put("id", tokenId).put("exp", expiresAt)));
    }

    /** Revokes every token of a client ({@code kind} "client") or subject ("subject") issued before {@code notBefore}. */
    public Uni<Void> cutOff(String kind, String key, long notBefore) {
        String hash = "client".equals(kind) ? RevocationKeys.CUTOFF_CLIENT : RevocationKeys.CUTOFF_SUBJECT;
        return pool.preparedQuery("""
                INSERT INTO revocation_cutoff (kind, key, not_before) VALUES ($1, $2, $3)
                ON CONFLICT (kind, key) DO UPDATE SET not_before = GREATEST(revocation_cutoff.not_before, EXCLUDED.not_before)""")
                .execute(Tuple.of(kind, key, utc(notBefore)))
                .invoke(() -> {
                    if ("client".equals(kind)) {
                        view.addClientCutoff(key, notBefore);
                    } else {
                        view.addSubjectCutoff(key, notBefore);
                    }
                })
                .chain(() -> toRedis(redis.hash(Long.class).hget(hash, key)
                        .chain(current -> current != null && current >= notBefore ? Uni.createFrom().voidItem()
                                : redis.hash(Long.class).hset(hash, key, notBefore).replaceWithVoid()),
                        new JsonObject().put("t", kind).put("id", key).put("nbf", notBefore)));
    }

    /**
     * Writes the shared copy, then announces the revocation, whether or not the write succeeded: a
     * failed write (Redis full, a wrong-type key, a failover) must not keep the instances from learning
     * it. Either failure marks the store dirty, so the next sync re-seeds Redis from PostgreSQL and
     * announces a reload, which delivers anything an announcement missed.
     */
    private Uni<Void> toRedis(Uni<Void> write, JsonObject message) {
        return write
                .onFailure().recoverWithItem(e -> {
                    dirty.set(true);
                    LOG.warnf("revocation stored in PostgreSQL but not written to Redis (%s); announced anyway, "
                            + "Redis is re-seeded when it answers again", e.getMessage());
                    return null;
                })
                .chain(() -> redis.pubsub(String.class).publish(RevocationKeys.CHANNEL, message.encode()))
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    dirty.set(true);
                    LOG.warnf("revocation stored in PostgreSQL but not announced through Redis (%s); "
                            + "Redis is re-seeded and a reload announced when it answers again", e.getMessage());
                    return null;
                });
    }

    /**
     * Re-seeds Redis from PostgreSQL when a push failed or Redis lost its data (the marker is gone),
     * then tells every instance to reload.
     */
    @Scheduled(every = "${forge.revocation.sync-interval:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sync() {
        return marker().chain(m -> redis.key().exists(m))
                .chain(present -> present && !dirty.get() ? Uni.createFrom().voidItem() : reseed())
                .onFailure().recoverWithItem(e -> {
                    dirty.set(true);
                    return null;
                });
    }

    public Uni<Void> reseed() {
        dirty.set(false);
        long now = System.currentTimeMillis() / 1000;
        return pool.query("SELECT token_id, extract(epoch from expires_at)::bigint AS exp FROM revoked_token "
                + "WHERE expires_at > now() - interval '60 seconds'").execute()
                .chain(rows -> {
                    Map<String, Double> members = new HashMap<>();
                    for (Row r : rows) {
                        members.put(r.getString("token_id"), r.getLong("exp").doubleValue());
                    }
                    return members.isEmpty() ? Uni.createFrom().voidItem()
                            : redis.sortedSet(String.class).zadd(RevocationKeys.TOKENS, members).replaceWithVoid();
                })
                .chain(() -> redis.sortedSet(String.class).zremrangebyscore(RevocationKeys.TOKENS,
                        new ScoreRange<>(Double.NEGATIVE_INFINITY, (double) now)))
                .chain(() -> pool.query("SELECT kind, key, extract(epoch from not_before)::bigint AS nbf "
                        + "FROM revocation_cutoff").execute())
                .chain(rows -> {
                    Map<String, Long> clients = new HashMap<>();
                    Map<String, Long> subjects = new HashMap<>();
                    for (Row r : rows) {
                        ("client".equals(r.getString("kind")) ? clients : subjects).put(r.getString("key"), r.getLong("nbf"));
                    }
                    Uni<Void> u = Uni.createFrom().voidItem();
                    if (!clients.isEmpty()) {
                        u = u.chain(() -> redis.hash(Long.class).hset(RevocationKeys.CUTOFF_CLIENT, clients).replaceWithVoid());
                    }
                    if (!subjects.isEmpty()) {
                        u = u.chain(() -> redis.hash(Long.class).hset(RevocationKeys.CUTOFF_SUBJECT, subjects).replaceWithVoid());
                    }
                    return u;
                })
                .chain(() -> marker())
                .chain(m -> redis.value(String.class).set(m, Instant.now().toString()))
                .chain(() -> redis.pubsub(String.class).publish(RevocationKeys.CHANNEL, "{\"t\":\"reload\"}"))
                .invoke(() -> LOG.info("revocation list re-seeded into Redis from PostgreSQL"))
                .replaceWithVoid()
                .onFailure().invoke(e -> dirty.set(true));
    }

    /** This installation's seed marker: {@code forge:revoked:seeded:<deployment id>}. */
    public Uni<String> marker() {
        if (marker != null) {
            return Uni.createFrom().item(marker);
        }
        return pool.query("SELECT id FROM deployment").execute().map(rs -> {
            marker = RevocationKeys.MARKER + ":" + rs.iterator().next().getUUID("id");
            return marker;
        });
    }

    /**
     * Forgets revocations that no longer matter (the token expired, or every cache about an opaque
     * credential has), in PostgreSQL and in Redis' sorted set, on a timer: the set no longer waits for
     * a re-seed to shrink. Every instance may run it; both deletes are idempotent.
     */
    @Scheduled(every = "${forge.revocation.prune-interval:1m}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> prune() {
        long before = nowSeconds(); // records carry their margin in their expiry already
        return pool.preparedQuery("DELETE FROM revoked_token WHERE expires_at < $1").execute(Tuple.of(utc(before)))
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.debugf("revocation prune in PostgreSQL failed: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .chain(() -> redis.sortedSet(String.class).zremrangebyscore(RevocationKeys.TOKENS,
                        new ScoreRange<>(Double.NEGATIVE_INFINITY, (double) before)))
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.debugf("revocation prune in Redis failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    private static OffsetDateTime utc(long epochSeconds) {
        return Instant.ofEpochSecond(epochSeconds).atOffset(ZoneOffset.UTC);
    }
}
