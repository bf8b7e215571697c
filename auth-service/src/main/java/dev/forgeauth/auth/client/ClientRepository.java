package dev.forgeauth.auth.client;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/** Storage of clients in PostgreSQL (reactive client; one prepared statement per operation). */
@ApplicationScoped
public class ClientRepository {

    private static final String COLUMNS = "client_id, client_name, secret_hash, token_endpoint_auth_method, "
            + "grant_types, redirect_uris, scope, access_token_ttl, client_id_issued_at";

    private final Pool pool;

    public ClientRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<Client> find(String clientId) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM oauth_client WHERE client_id = $1")
                .execute(Tuple.of(clientId))
                .map(rs -> rs.iterator().hasNext() ? toClient(rs.iterator().next()) : null);
    }

    public Uni<List<Client>> list(String after, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM oauth_client WHERE client_id > $1 "
                + "ORDER BY client_id LIMIT $2")
                .execute(Tuple.of(after == null ? "" : after, limit))
                .map(ClientRepository::toClients);
    }

    /** Inserts; answers false when the client id is taken. */
    public Uni<Boolean> insert(Client c) {
        return pool.preparedQuery("INSERT INTO oauth_client (" + COLUMNS + ") "
                + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) ON CONFLICT (client_id) DO NOTHING")
                .execute(Tuple.from(new Object[] {c.clientId(), c.clientName(), c.secretHash(),
                        c.tokenEndpointAuthMethod(), c.grantTypes().toArray(String[]::new),
                        c.redirectUris().toArray(String[]::new), c.scope(), c.accessTokenTtl()}))
                .map(rs -> rs.rowCount() == 1);
    }

    /**
     * Inserts only into an empty registry (the bootstrap client of a first start); false when any client
     * exists. Instances starting together race on the primary key, which lets one win.
     */
    public Uni<Boolean> insertIntoEmpty(Client c) {
        return seed(c, "WHERE NOT EXISTS (SELECT 1 FROM oauth_client)");
    }

    /** Inserts unless the id is taken or a client of that id was deleted before (a seeded client). */
    public Uni<Boolean> insertUnlessDeleted(Client c) {
        return seed(c, "WHERE NOT EXISTS (SELECT 1 FROM oauth_client_tombstone t WHERE t.client_id = $1)");
    }

    private Uni<Boolean> seed(Client c, String condition) {
        return pool.preparedQuery("INSERT INTO oauth_client (" + COLUMNS + ") "
                + "SELECT $1, $2, $3, $4, $5::text[], $6::text[], $7, $8::integer, now() " + condition
                + " ON CONFLICT (client_id) DO NOTHING")
                .execute(Tuple.from(new Object[] {c.clientId(), c.clientName(), c.secretHash(),
                        c.tokenEndpointAuthMethod(), c.grantTypes().toArray(String[]::new),
                        c.redirectUris().toArray(String[]::new), c.scope(), c.accessTokenTtl()}))
                .map(rs -> rs.rowCount() == 1);
    }

    public Uni<Client> update(Client c) {
        return pool.preparedQuery("UPDATE oauth_client SET client_name = $2, secret_hash = $3, "
                + "token_endpoint_auth_method = $4, grant_types = $5, redirect_uris = $6, scope = $7, "
                + "access_token_ttl = $8, updated_at = now() WHERE client_id = $1 RETURNING " + COLUMNS)
                .execute(Tuple.from(new Object[] {c.clientId(), c.clientName(), c.secretHash(),
                        c.tokenEndpointAuthMethod(), c.grantTypes().toArray(String[]::new),
                        c.redirectUris().toArray(String[]::new), c.scope(), c.accessTokenTtl()}))
                .map(rs -> rs.iterator().hasNext() ? toClient(rs.iterator().next()) : null);
    }

    public Uni<Boolean> updateSecret(String clientId, String secretHash) {
        return pool.preparedQuery("UPDATE oauth_client SET secret_hash = $2, updated_at = now() "
                + "WHERE client_id = $1 AND token_endpoint_auth_method <> 'none'")
                .execute(Tuple.of(clientId, secretHash))
                .map(rs -> rs.rowCount() == 1);
    }

    public Uni<Boolean> delete(String clientId) {
        // the tombstone keeps start-up seeding from bringing a deleted (say, leaked) client back
        return pool.preparedQuery("WITH d AS (DELETE FROM oauth_client WHERE client_id = $1 RETURNING client_id) "
                + "INSERT INTO oauth_client_tombstone (client_id) SELECT client_id FROM d "
                + "ON CONFLICT (client_id) DO UPDATE SET deleted_at = now() RETURNING client_id")
                .execute(Tuple.of(clientId))
                .map(rs -> rs.rowCount() == 1);
    }

    private static List<Client> toClients(RowSet<Row> rs) {
        List<Client> out = new ArrayList<>();
        for (Row r : rs) {
            out.add(toClient(r));
        }
        return out;
    }

    static Client toClient(Row r) {
        String scope = r.getString("scope");
        OffsetDateTime issued = r.getOffsetDateTime("client_id_issued_at");
        return new Client(r.getString("client_id"), r.getString("client_name"), r.getString("secret_hash"),
                r.getString("token_endpoint_auth_method"), List.of(r.getArrayOfStrings("grant_types")),
                List.of(r.getArrayOfStrings("redirect_uris")), Scopes.parse(scope), scope, r.getInteger("access_token_ttl"),
                issued.toInstant());
    }
}
