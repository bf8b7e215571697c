package dev.forgeauth.introspection.opaque;

import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import java.util.Optional;

/** Shared lookup of personal access tokens and API keys (one table, told apart by kind). */
abstract class PersonalTokenKinds implements OpaqueTokenKind {

    private final Pool pool;
    private final UsageRecorder usage;

    PersonalTokenKinds(Pool pool, UsageRecorder usage) {
        this.pool = pool;
        this.usage = usage;
    }

    @Override
    public boolean wellFormed(String token) {
        return OpaqueTokens.isValid(token, prefix());
    }

    @Override
    public Uni<Optional<TokenInfo>> findByHash(String lookupHash) {
        return pool.preparedQuery("""
                SELECT id, user_id, array_to_string(scopes, ' ') AS scope,
                       floor(extract(epoch from created_at))::bigint AS iat,
                       coalesce(floor(extract(epoch from expires_at))::bigint, 9223372036) AS exp
                FROM personal_token
                WHERE token_hash = $1 AND kind = $2 AND revoked_at IS NULL
                  AND (expires_at IS NULL OR expires_at > now())""")
                .execute(Tuple.of(lookupHash, kindName()))
                .map(rs -> {
                    for (Row r : rs) {
                        return Optional.of(new TokenInfo(r.getUUID("id").toString(), kindName(),
                                r.getUUID("user_id").toString(), null, r.getString("scope"), r.getLong("iat"),
                                r.getLong("exp")));
                    }
                    return Optional.empty();
                });
    }

    @Override
    public void used(TokenInfo token, String address) {
        usage.record(token.tokenId(), address);
    }
}
