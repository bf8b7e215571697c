package dev.forgeauth.auth.user;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Users in PostgreSQL. */
@ApplicationScoped
public class UserRepository {

    static final String COLUMNS = "id, email, password_hash, scopes, totp_secret, totp_enabled, totp_last_step, created_at";

    private final Pool pool;

    public UserRepository(Pool pool) {
        this.pool = pool;
    }

    public Uni<User> findByEmail(String email) {
        return one(pool, "SELECT " + COLUMNS + " FROM app_user WHERE email = $1", Tuple.of(email));
    }

    public Uni<User> findById(UUID id) {
        return one(pool, "SELECT " + COLUMNS + " FROM app_user WHERE id = $1", Tuple.of(id));
    }

    public Uni<List<User>> list(String afterEmail, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM app_user WHERE email > $1 ORDER BY email LIMIT $2")
                .execute(Tuple.of(afterEmail == null ? "" : afterEmail, limit)).map(UserRepository::all);
    }

    /** Answers false when the email is taken. */
    public Uni<Boolean> insert(UUID id, String email, String passwordHash, List<String> scopes) {
        return pool.preparedQuery("INSERT INTO app_user (id, email, password_hash, scopes) VALUES ($1, $2, $3, $4) "
                + "ON CONFLICT (email) DO NOTHING")
                .execute(Tuple.of(id, email, passwordHash, scopes.toArray(String[]::new)))
                .map(rs -> rs.rowCount() == 1);
    }

    public Uni<User> update(UUID id, String email, String passwordHash, List<String> scopes) {
        return one(pool, "UPDATE app_user SET email = $2, password_hash = $3, scopes = $4, updated_at = now() "
                + "WHERE id = $1 RETURNING " + COLUMNS, Tuple.of(id, email, passwordHash, scopes.toArray(String[]::new)));
    }

    public Uni<Boolean> delete(UUID id) {
        return pool.preparedQuery("DELETE FROM app_user WHERE id = $1").execute(Tuple.of(id)).map(rs -> rs.rowCount() == 1);
    }

    public Uni<Void> setTotp(UUID id, byte[] encryptedSecret, boolean enabled) {
        return pool.preparedQuery("UPDATE app_user SET totp_secret = $2, totp_enabled = $3, totp_last_step = NULL, "
                + "updated_at = now() WHERE id = $1")
                .execute(Tuple.of(id, encryptedSecret == null ? null : io.vertx.core.buffer.Buffer.buffer(encryptedSecret),
                        enabled))
                .replaceWithVoid();
    }

    /** Records a used TOTP step; false when that step (or a later one) was already used: replay. */
    public Uni<Boolean> useTotpStep(UUID id, long step) {
        return pool.preparedQuery("UPDATE app_user SET totp_last_step = $2 WHERE id = $1 "
                + "AND (totp_last_step IS NULL OR totp_last_step < $2)")
                .execute(Tuple.of(id, step)).map(rs -> rs.rowCount() == 1);
    }

    public Uni<Void> replaceBackupCodes(UUID id, List<String> hashes) {
        return pool.withTransaction(conn -> conn.preparedQuery("DELETE FROM backup_code WHERE user_id = $1")
                .execute(Tuple.of(id))
                .chain(() -> hashes.isEmpty() ? Uni.createFrom().voidItem()
                        : conn.preparedQuery("INSERT INTO backup_code (user_id, code_hash) VALUES ($1, $2)")
                                .executeBatch(hashes.stream().map(h -> Tuple.of(id, h)).toList()).replaceWithVoid())
                .replaceWithVoid());
    }

    /** Spends a backup code; false when unknown or already used. */
    public Uni<Boolean> useBackupCode(UUID id, String hash) {
        return pool.preparedQuery("UPDATE backup_code SET used_at = now() WHERE user_id = $1 AND code_hash = $2 "
                + "AND used_at IS NULL").execute(Tuple.of(id, hash)).map(rs -> rs.rowCount() == 1);
    }

    static Uni<User> one(SqlClient client, String sql, Tuple args) {
        return client.preparedQuery(sql).execute(args).map(rs -> {
            List<User> users = all(rs);
            return users.isEmpty() ? null : users.get(0);
        });
    }

    static List<User> all(RowSet<Row> rs) {
        List<User> out = new ArrayList<>();
        for (Row r : rs) {
            var secret = r.getBuffer("totp_secret");
            out.add(new User(r.getUUID("id"), r.getString("email"), r.getString("password_hash"),
                    List.of(r.getArrayOfStrings("scopes")), secret == null ? null : secret.getBytes(),
                    r.getBoolean("totp_enabled"), r.getLong("totp_last_step"),
                    r.getOffsetDateTime("created_at").toInstant()));
        }
        return out;
    }
}
