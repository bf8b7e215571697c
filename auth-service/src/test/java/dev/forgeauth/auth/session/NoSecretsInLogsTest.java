package dev.forgeauth.auth.session;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.mfa.Totp;
import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.commons.codec.binary.Base32;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;

/**
 * Every secret a flow handles — client secret, password, access and refresh tokens, session cookie, TOTP
 * secret and codes, backup codes — is absent from every log line written meanwhile (DEBUG included),
 * while the audit trail records the events.
 */
@QuarkusTest
class NoSecretsInLogsTest {

    @Inject
    Pool pool;

    @Test
    void noSecretInAnyLogLineAndEventsAreAudited() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                String msg = r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage();
                lines.add(msg + (r.getThrown() == null ? "" : " " + r.getThrown()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        capture.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        root.addHandler(capture);
        List<String> secrets = new ArrayList<>();
        try {
            var client = TestClients.client().register();
            secrets.add(client.secret());
            String cc = TestTokens.clientCredentials(client.id(), client.secret(), null);
            secrets.add(cc);
            // failed attempts log too
            given().auth().preemptive().basic(client.id(), "wrong-secret-value-xyz").formParam("grant_type",
                    "client_credentials").post("/oauth/token").then().statusCode(401);
            secrets.add("wrong-secret-value-xyz");

            var u = TestUsers.create();
            secrets.add(u.password());
            var login = TestUsers.login(u);
            String access = login.path("access_token");
            String refresh = login.path("refresh_token");
            secrets.add(access);
            secrets.add(refresh);
            secrets.add(login.cookie("df_session"));
            TestUsers.login(u.email(), "another-wrong-password", TestUsers.address());
            secrets.add("another-wrong-password");
            String refreshed = given().contentType(ContentType.JSON).body(Map.of("refresh_token", refresh))
                    .post("/auth/refresh").then().statusCode(200).extract().path("refresh_token");
            secrets.add(refreshed);

            String b32 = given().auth().oauth2(access).post("/auth/mfa/totp").then().statusCode(200).extract().path("secret");
            secrets.add(b32);
            String code = Totp.code(new Base32().decode(b32), Totp.step(System.currentTimeMillis() / 1000));
            List<String> backup = given().auth().oauth2(access).contentType(ContentType.JSON).body(Map.of("code", code))
                    .post("/auth/mfa/totp/verify").then().statusCode(200).extract().path("backup_codes");
            secrets.addAll(backup);
            String mfaToken = TestUsers.login(u).path("mfa_token");
            secrets.add(mfaToken);
            given().contentType(ContentType.JSON).body(Map.of("mfa_token", mfaToken, "code", backup.get(0)))
                    .post("/auth/login/mfa").then().statusCode(200);
            given().cookie("df_session", login.cookie("df_session")).post("/auth/logout").then().statusCode(204);

            assertTrue(lines.size() > 5, "log lines were captured: " + lines.size());
            for (String line : lines) {
                for (String s : secrets) {
                    assertFalse(line.contains(s), "a log line contains a secret: " + line);
                }
            }
            List<String> types = new ArrayList<>();
            for (Row r : pool.preparedQuery("SELECT type, detail::text AS d FROM audit_event WHERE user_id = $1 ORDER BY id")
                    .execute(Tuple.of(UUID.fromString(u.id()))).await().indefinitely()) {
                types.add(r.getString("type"));
                for (String s : secrets) {
                    assertFalse(r.getString("d").contains(s));
                }
            }
            for (String t : List.of("user.created", "login.succeeded", "login.failed", "mfa.enrolled",
                    "mfa.backup_code_used", "session.ended")) {
                assertTrue(types.contains(t), t + " in " + types);
            }
            assertEquals(true, lines.stream().anyMatch(l -> l.contains("event=login.succeeded")));
        } finally {
            root.removeHandler(capture);
        }
    }
}
