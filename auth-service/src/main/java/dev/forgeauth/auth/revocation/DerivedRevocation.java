package dev.forgeauth.auth.revocation;

import dev.forgeauth.auth.session.SessionStore;
import dev.forgeauth.core.revocation.RevocationKeys;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Revocation reaches what was derived from a grant, not only the tokens named by it: a client or
 * subject cut-off, a deleted client, or an application's access withdrawn on the account page also end
 * the refresh-token families (and their sessions) that a client could otherwise use to mint new tokens.
 * A family is ended whole when any of its tokens was issued before the cut-off: a rotation after the
 * cut-off does not launder a grant from before it (RFC 9700 §4.14).
 */
@ApplicationScoped
public class DerivedRevocation {

    private static final Logger LOG = Logger.getLogger(DerivedRevocation.class);

    private final Pool pool;
    private final SessionStore sessions;
    private final RevocationStore revocations;
    private final ReactiveRedisDataSource redis;

    public DerivedRevocation(Pool pool, SessionStore sessions, RevocationStore revocations,
            ReactiveRedisDataSource redis) {
        this.pool = pool;
        this.sessions = sessions;
        this.revocations = revocations;
        this.redis = redis;
    }

    /**
     * Ends the families and sessions of a subject (a user id; other subjects hold none) started before
     * {@code notBefore} (epoch seconds). Access tokens are left to the cut-off itself.
     */
    public Uni<Void> subjectCutOff(String subject, long notBefore) {
        UUID user;
        try {
            user = UUID.fromString(subject);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().voidItem();
        }
        Tuple args = Tuple.of(user, Instant.ofEpochSecond(notBefore).atOffset(ZoneOffset.UTC));
        return pool.withTransaction(conn -> conn.preparedQuery("""
                        UPDATE user_session SET ended_at = now()
                        WHERE user_id = $1 AND ended_at IS NULL AND created_at < $2 RETURNING id, token_hash""")
                .execute(args)
                .chain(ended -> {
                    List<String> hashes = hashes(ended);
                    UUID[] ids = ids(ended, "id");
                    return conn.preparedQuery("""
                                    UPDATE refresh_token SET revoked_at = now()
                                    WHERE revoked_at IS NULL AND user_id = $1 AND (session_id = ANY($3)
                                       OR family_id IN (SELECT family_id FROM refresh_token
                                                        WHERE user_id = $1 AND issued_at < $2))
                                    RETURNING token_hash""")
                            .execute(Tuple.of(args.getValue(0), args.getValue(1), ids))
                            .map(rt -> {
                                hashes.addAll(hashes(rt));
                                return hashes;
                            });
                }))
                .chain(sessions::evictCached);
    }

    /**
     * Ends the families of a client started before {@code notBefore} (epoch seconds), and the sessions
     * they belong to (a deleted client: every one). Access tokens are left to the client cut-off.
     */
    public Uni<Void> clientCutOff(String clientId, long notBefore) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                        UPDATE refresh_token SET revoked_at = now()
                        WHERE revoked_at IS NULL AND family_id IN (SELECT family_id FROM refresh_token
                                                                   WHERE client_id = $1 AND issued_at < $2)
                        RETURNING token_hash, session_id""")
                .execute(Tuple.of(clientId, Instant.ofEpochSecond(notBefore).atOffset(ZoneOffset.UTC)))
                .chain(rt -> {
                    List<String> hashes = hashes(rt);
                    UUID[] ids = ids(rt, "session_id");
                    return conn.preparedQuery("UPDATE user_session SET ended_at = now() WHERE id = ANY($1) "
                                    + "AND ended_at IS NULL RETURNING token_hash")
                            .execute(Tuple.of(ids))
                            .map(s -> {
                                hashes.addAll(hashes(s));
                                return hashes;
                            });
                }))
                .chain(sessions::evictCached);
    }

    /**
     * Ends what a user granted one application (the account page's "Revoke access"): its refresh
     * tokens and the grant sessions they belong to, announced so that the access tokens issued in those
     * sessions stop everywhere too. Answers whether there was anything to end.
     */
    public Uni<Boolean> userRevokedClient(UUID userId, String clientId) {
        return pool.preparedQuery("UPDATE refresh_token SET revoked_at = now() WHERE user_id = $1 AND client_id = $2 "
                        + "AND revoked_at IS NULL RETURNING token_hash, session_id")
                .execute(Tuple.of(userId, clientId))
                .chain(rt -> {
                    UUID[] ids = ids(rt, "session_id");
                    Uni<Void> chain = sessions.evictCached(hashes(rt));
                    for (UUID id : ids) {
                        chain = chain.chain(() -> sessions.end(id, userId)).replaceWithVoid();
                    }
                    return chain.replaceWith(rt.rowCount() > 0);
                });
    }

    /**
     * A user's scopes were reduced to {@code held}: every PAT, API key and live refresh token of the user
     * loses the scopes no longer held (OpenID scopes stay on refresh tokens); one left with no scope is
     * revoked. Cached introspection answers are dropped and the change announced, so that the gateways'
     * caches forget the old scopes at once. Access tokens already issued keep theirs until they expire.
     */
    public Uni<Void> scopesReduced(UUID userId, List<String> held) {
        String[] kept = held.toArray(String[]::new);
        Set<String> refreshable = new LinkedHashSet<>(held);
        refreshable.addAll(dev.forgeauth.auth.authorize.AuthorizeResource.OIDC_SCOPES);
        return pool.withTransaction(conn -> conn.preparedQuery("""
                        WITH narrowed AS (
                            SELECT id, ARRAY(SELECT s FROM unnest(scopes) s WHERE s = ANY($2)) AS scopes
                            FROM personal_token
                            WHERE user_id = $1 AND revoked_at IS NULL AND NOT (scopes <@ $2) FOR UPDATE)
                        UPDATE personal_token p SET scopes = n.scopes,
                               revoked_at = CASE WHEN cardinality(n.scopes) = 0 THEN now() END
                        FROM narrowed n WHERE p.id = n.id
                        RETURNING p.id, p.kind, p.token_hash, p.revoked_at IS NOT NULL AS revoked,
                                  extract(epoch from p.expires_at)::bigint AS exp""")
                .execute(Tuple.of(userId, kept))
                .chain(pats -> conn.preparedQuery("""
                                UPDATE refresh_token SET
                                    scope = array_to_string(ARRAY(SELECT s FROM unnest(string_to_array(scope, ' ')) s
                                                                  WHERE s = ANY($2)), ' '),
                                    revoked_at = CASE WHEN NOT (string_to_array(scope, ' ') && $2) THEN now() END
                                WHERE user_id = $1 AND revoked_at IS NULL AND rotated_at IS NULL
                                  AND NOT (string_to_array(scope, ' ') <@ $2)
                                RETURNING token_hash""")
                        .execute(Tuple.of(userId, refreshable.toArray(String[]::new)))
                        .map(refresh -> {
                            List<String> hashes = hashes(refresh);
                            List<Row> changed = new ArrayList<>();
                            for (Row r : pats) {
                                hashes.add(r.getString("token_hash"));
                                changed.add(r);
                            }
                            return new Narrowed(hashes, changed);
                        })))
                .chain(n -> sessions.evictCached(n.hashes()).chain(() -> {
                    Uni<Void> out = Uni.createFrom().voidItem();
                    for (Row r : n.credentials()) {
                        String id = r.getUUID("id").toString();
                        if (r.getBoolean("revoked")) {
                            Long exp = r.getLong("exp");
                            out = out.chain(() -> revocations.revokeOpaque(id, r.getString("kind"), userId.toString(), exp));
                        } else {
                            out = out.chain(() -> announceChanged(id));
                        }
                    }
                    return out;
                }));
    }

    private record Narrowed(List<String> hashes, List<Row> credentials) {
    }

    private Uni<Void> announceChanged(String credentialId) {
        return redis.pubsub(String.class)
                .publish(RevocationKeys.CHANNEL, new JsonObject().put("t", "changed").put("id", credentialId).encode())
                .replaceWithVoid()
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf("credential %s narrowed, but the change was not announced (Redis: %s); gateways "
                            + "may use the old scopes until their cache entry expires", credentialId, e.getMessage());
                    return null;
                });
    }

    private static List<String> hashes(RowSet<Row> rs) {
        List<String> out = new ArrayList<>();
        for (Row r : rs) {
            out.add(r.getString("token_hash"));
        }
        return out;
    }

    private static UUID[] ids(RowSet<Row> rs, String column) {
        Set<UUID> out = new LinkedHashSet<>();
        for (Row r : rs) {
            UUID id = r.getUUID(column);
            if (id != null) {
                out.add(id);
            }
        }
        return out.toArray(UUID[]::new);
    }
}
