package dev.forgeauth.auth.authorize;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** Remembered consent per user and client: asked again only for scopes not yet approved. */
@ApplicationScoped
public class Consents {

    public record Consent(String clientId, String clientName, List<String> scopes, Instant grantedAt) {
    }

    private final Pool pool;

    public Consents(Pool pool) {
        this.pool = pool;
    }

    public Uni<Boolean> covers(UUID userId, String clientId, Set<String> scopes) {
        return pool.preparedQuery("SELECT scopes FROM consent WHERE user_id = $1 AND client_id = $2")
                .execute(Tuple.of(userId, clientId))
                .map(rs -> {
                    for (Row r : rs) {
                        return Set.of(r.getArrayOfStrings("scopes")).containsAll(scopes);
                    }
                    return false;
                });
    }

    public Uni<Void> remember(UUID userId, String clientId, Set<String> scopes) {
        return pool.preparedQuery("INSERT INTO consent (user_id, client_id, scopes) VALUES ($1, $2, $3) "
                        + "ON CONFLICT (user_id, client_id) DO UPDATE SET scopes = "
                        + "(SELECT array_agg(DISTINCT s) FROM unnest(consent.scopes || EXCLUDED.scopes) s), granted_at = now()")
                .execute(Tuple.of(userId, clientId, new LinkedHashSet<>(scopes).toArray(String[]::new)))
                .replaceWithVoid();
    }

    public Uni<List<Consent>> list(UUID userId) {
        return pool.preparedQuery("SELECT c.client_id, coalesce(o.client_name, c.client_id) AS client_name, c.scopes, "
                        + "c.granted_at FROM consent c LEFT JOIN oauth_client o ON o.client_id = c.client_id "
                        + "WHERE c.user_id = $1 ORDER BY client_name")
                .execute(Tuple.of(userId))
                .map(rs -> {
                    List<Consent> out = new ArrayList<>();
                    for (Row r : rs) {
                        out.add(new Consent(r.getString("client_id"), r.getString("client_name"),
                                List.of(r.getArrayOfStrings("scopes")),
                                r.getOffsetDateTime("granted_at").toInstant()));
                    }
                    return out;
                });
    }

    public Uni<Boolean> revoke(UUID userId, String clientId) {
        return pool.preparedQuery("DELETE FROM consent WHERE user_id = $1 AND client_id = $2")
                .execute(Tuple.of(userId, clientId)).map(rs -> rs.rowCount() == 1);
    }
}
