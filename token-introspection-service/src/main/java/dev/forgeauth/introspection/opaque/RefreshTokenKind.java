package dev.forgeauth.introspection.opaque;

import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;

/** Refresh tokens ({@code df_rt_…}): active while neither rotated, revoked nor expired. */
@ApplicationScoped
public class RefreshTokenKind implements OpaqueTokenKind {

    private final Pool pool;

    public RefreshTokenKind(Pool pool) {
        this.pool = pool;
    }

    @Override
    public String prefix() {
        return OpaqueTokens.REFRESH;
    }

    @Override
    public String kindName() {
        return "refresh_token";
    }

    @Override
    public boolean wellFormed(String token) {
        return OpaqueTokens.isValid(token, OpaqueTokens.REFRESH);
    }

    @Override
    public Uni<Optional<TokenInfo>> findByHash(String lookupHash) {
        return pool.preparedQuery("""
                SELECT family_id, session_id, user_id, client_id, scope,
                       floor(extract(epoch from issued_at))::bigint AS iat,
                       floor(extract(epoch from least(family_expires_at, idle_expires_at)))::bigint AS exp
                FROM refresh_token
                WHERE token_hash = $1 AND rotated_at IS NULL AND revoked_at IS NULL
                  AND family_expires_at > now() AND idle_expires_at > now()""")
                .execute(Tuple.of(lookupHash))
                .map(rs -> {
                    for (Row r : rs) {
                        // revoked with its session: the session id is the id revocations name
                        String id = r.getUUID("session_id") != null ? r.getUUID("session_id").toString()
                                : r.getUUID("family_id").toString();
                        return Optional.of(new TokenInfo(id, kindName(), r.getUUID("user_id").toString(),
                                r.getString("client_id"), r.getString("scope"), r.getLong("iat"), r.getLong("exp")));
                    }
                    return Optional.empty();
                });
    }
}
