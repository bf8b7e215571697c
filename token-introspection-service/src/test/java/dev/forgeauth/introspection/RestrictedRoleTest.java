package dev.forgeauth.introspection;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.core.token.OpaqueTokens;
import dev.forgeauth.testing.ForgeInfraResource;
import dev.forgeauth.testing.JwksServer;
import dev.forgeauth.testing.LocalInfra;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 6: the introspection service runs with the restricted role of V42 (a login that is a
 * member of {@code forge_introspection}) and the secret-hashing key alone, no KEK. It answers for
 * callers, PATs and sessions and records PAT use, and the database refuses it everything else.
 */
@QuarkusTest
@TestProfile(RestrictedRoleTest.Restricted.class)
class RestrictedRoleTest {

    static final String DATABASE = "forge_introspection_restricted";
    static final String LOGIN = "forge_introspection_test_app";

    public static class Restricted implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ForgeInfraResource.class, Map.of("database", DATABASE,
                            "migrations", "filesystem:../auth-service/src/main/resources/db/migration",
                            "login-role", LOGIN, "member-of", "forge_introspection", "kek", "false")),
                    new TestResourceEntry(JwksServer.class));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Inject
    Pool pool;

    /** The owner's connection, to lay down test data the way the auth-service does. */
    static Connection owner() throws SQLException {
        LocalInfra infra = LocalInfra.get();
        return DriverManager.getConnection(infra.jdbcUrl(DATABASE), infra.pgUser, infra.pgPassword);
    }

    /** Keyed hash with the key derived as deploy/README.md says (what the auth-service stores). */
    static String hash(String secret) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(ForgeInfraResource.secretHashKey(ForgeInfraResource.TEST_KEK)),
                "HmacSHA256"));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(secret.getBytes(StandardCharsets.UTF_8)));
    }

    static String[] caller() throws Exception {
        String id = "caller-" + UUID.randomUUID();
        String secret = UUID.randomUUID().toString() + UUID.randomUUID();
        try (Connection c = owner(); PreparedStatement ps = c.prepareStatement("INSERT INTO oauth_client (client_id, "
                + "client_name, secret_hash, token_endpoint_auth_method, grant_types, scope, access_token_ttl) "
                + "VALUES (?, ?, ?, 'client_secret_basic', '{client_credentials}', 'introspect', 3600)")) {
            ps.setString(1, id);
            ps.setString(2, id);
            ps.setString(3, hash(secret));
            ps.executeUpdate();
        }
        return new String[] {id, secret};
    }

    static UUID user() throws Exception {
        UUID user = UUID.randomUUID();
        try (Connection c = owner(); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO app_user (id, email, password_hash, scopes) VALUES (?, ?, '$argon2id$not-readable', '{deployment:read}')")) {
            ps.setObject(1, user);
            ps.setString(2, user + "@example.com");
            ps.executeUpdate();
        }
        return user;
    }

    static io.restassured.response.ValidatableResponse introspect(String[] caller, String token) {
        return given().auth().preemptive().basic(caller[0], caller[1]).header("X-Forwarded-For", "203.0.113.9")
                .formParam("token", token).post("/oauth/introspect").then().statusCode(200);
    }

    @Test
    void theServiceConnectsAsTheRestrictedLogin() {
        String who = pool.query("SELECT current_user").execute().await().indefinitely().iterator().next().getString(0);
        assertEquals(LOGIN, who);
    }

    @Test
    void patsAndSessionsAreAnsweredAndPatUseIsRecorded() throws Exception {
        String[] caller = caller();
        UUID user = user();
        String pat = OpaqueTokens.generate(OpaqueTokens.PAT);
        UUID patId = UUID.randomUUID();
        String session = OpaqueTokens.generate(OpaqueTokens.SESSION);
        try (Connection c = owner()) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO personal_token (id, kind, user_id, name, token_hash, "
                    + "scopes, expires_at) VALUES (?, 'pat', ?, 'n', ?, '{deployment:read}', ?)")) {
                ps.setObject(1, patId);
                ps.setObject(2, user);
                ps.setString(3, hash(pat));
                ps.setTimestamp(4, Timestamp.from(Instant.now().plusSeconds(86400)));
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO user_session (id, token_hash, user_id, amr, expires_at) "
                    + "VALUES (?, ?, ?, 'pwd', ?)")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setString(2, hash(session));
                ps.setObject(3, user);
                ps.setTimestamp(4, Timestamp.from(Instant.now().plusSeconds(3600)));
                ps.executeUpdate();
            }
        }
        introspect(caller, pat).body("active", equalTo(true)).body("forge_token_kind", equalTo("pat"))
                .body("sub", equalTo(user.toString()));
        introspect(caller, session).body("active", equalTo(true)).body("forge_token_kind", equalTo("session"))
                .body("scope", equalTo("deployment:read"));
        introspect(caller, OpaqueTokens.generate(OpaqueTokens.PAT)).body("active", equalTo(false));
        // the one write it may make: the PAT's last use (batched)
        Timestamp used = null;
        for (int i = 0; i < 50 && used == null; i++) {
            Thread.sleep(100);
            try (Connection c = owner(); PreparedStatement ps = c.prepareStatement(
                    "SELECT last_used_at FROM personal_token WHERE id = ?")) {
                ps.setObject(1, patId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    used = rs.getTimestamp(1);
                }
            }
        }
        assertNotNull(used, "PAT use recorded by the restricted role");
    }

    @Test
    void theRestrictedRoleCanWriteNothingElseNorReadKeysOrPasswordHashes() throws Exception {
        String[] caller = caller();
        UUID user = user();
        for (String sql : List.of(
                "DELETE FROM oauth_client WHERE client_id = '" + caller[0] + "'",
                "UPDATE oauth_client SET scope = 'admin introspect' WHERE client_id = '" + caller[0] + "'",
                "INSERT INTO oauth_client (client_id, client_name, token_endpoint_auth_method, grant_types, access_token_ttl) "
                        + "VALUES ('evil', 'evil', 'none', '{client_credentials}', 60)",
                "UPDATE app_user SET scopes = '{admin}' WHERE id = '" + user + "'",
                "UPDATE personal_token SET scopes = '{admin}'",
                "DELETE FROM user_session",
                "SELECT password_hash FROM app_user",
                "SELECT totp_secret FROM app_user",
                "SELECT private_key FROM signing_key",
                "TRUNCATE personal_token")) {
            Throwable e = assertThrows(Throwable.class, () -> pool.query(sql).execute().await().indefinitely(), sql);
            assertTrue(String.valueOf(e.getMessage()).contains("permission denied"), sql + ": " + e.getMessage());
        }
        // what it may read, it reads
        assertEquals(1, pool.preparedQuery("SELECT scope FROM oauth_client WHERE client_id = $1")
                .execute(Tuple.of(caller[0])).await().indefinitely().size());
    }
}
