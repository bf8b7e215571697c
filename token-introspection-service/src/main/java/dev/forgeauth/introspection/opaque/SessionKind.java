package dev.forgeauth.introspection.opaque;

import dev.forgeauth.core.token.OpaqueTokens;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Browser sessions ({@code df_session} cookie values, {@code dfs_…}): active while not ended or expired. */
@ApplicationScoped
public class SessionKind implements OpaqueTokenKind {

    private final Pool pool;
    private final String loginClientId;

    public SessionKind(Pool pool, @ConfigProperty(name = "forge.login.client-id", defaultValue = "forge-login") String loginClientId) {
        this.pool = pool;
        this.loginClientId = loginClientId;
    }

    @Override
    public String prefix() {
        return OpaqueTokens.SESSION;
    }

    @Override
    public String kindName() {
        return "session";
    }

    @Override
    public boolean wellFormed(String token) {
        return OpaqueTokens.isValid(token, OpaqueTokens.SESSION);
    }

    @Override
    public Uni<Optional<TokenInfo>> findByHash(String lookupHash) {
        return pool.preparedQuery("""
                SELECT s.id, s.user_id, array_to_string(u.scopes, ' ') AS scope,
                       floor(extract(epoch from s.created_at))::bigint AS iat, floor(extract(epoch from s.expires_at))::bigint AS exp
                FROM user_session s JOIN app_user u ON u.id = s.user_id
                WHERE s.token_hash = $1 AND s.ended_at IS NULL AND s.expires_at > now()""")
                .execute(Tuple.of(lookupHash))
                .map(rs -> {
                    for (Row r : rs) {
                        return Optional.of(new TokenInfo(r.getUUID("id").toString(), kindName(),
                                r.getUUID("user_id").toString(), loginClientId, r.getString("scope"), r.getLong("iat"),
                                r.getLong("exp")));
                    }
                    return Optional.empty();
                });
    }
}
