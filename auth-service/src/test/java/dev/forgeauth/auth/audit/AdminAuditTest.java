package dev.forgeauth.auth.audit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.quarkus.redis.datasource.value.SetArgs;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 point 8: every admin change is audited with the actor, the address it came from and the
 * values before and after, never a secret; a throttled login writes one event per block.
 */
@QuarkusTest
class AdminAuditTest {

    @Inject
    Pool pool;

    @Inject
    ReactiveRedisDataSource redis;

    record Event(String type, String clientId, String ip, JsonObject detail) {
    }

    List<Event> events(String ip) {
        List<Event> out = new ArrayList<>();
        for (Row r : pool.preparedQuery("SELECT type, client_id, ip, detail FROM audit_event WHERE ip = $1 ORDER BY id")
                .execute(Tuple.of(ip)).await().atMost(Duration.ofSeconds(10))) {
            Object d = r.getValue("detail");
            out.add(new Event(r.getString("type"), r.getString("client_id"), r.getString("ip"),
                    d instanceof JsonObject j ? j : new JsonObject(String.valueOf(d))));
        }
        return out;
    }

    Event only(List<Event> events, String type) {
        List<Event> of = events.stream().filter(e -> e.type().equals(type)).toList();
        assertEquals(1, of.size(), type + " in " + events);
        return of.get(0);
    }

    static RequestSpecification admin(String ip) {
        return given().auth().oauth2(TestTokens.admin()).header("X-Forwarded-For", ip);
    }

    @Test
    void clientChangesAreAuditedWithActorAddressAndBeforeAfterButNoSecret() {
        String ip = TestUsers.address();
        String created = admin(ip).contentType(ContentType.JSON)
                .body(Map.of("client_name", "audited", "grant_types", List.of("client_credentials"), "scope", "deployment:read"))
                .post("/admin/clients").then().statusCode(201).extract().asString();
        JsonObject c = new JsonObject(created);
        String id = c.getString("client_id");
        String secret1 = c.getString("client_secret");
        admin(ip).contentType(ContentType.JSON).body(Map.of("scope", "deployment:read deployment:write"))
                .patch("/admin/clients/" + id).then().statusCode(200);
        String secret2 = admin(ip).post("/admin/clients/" + id + "/secret").then().statusCode(200)
                .extract().path("client_secret");
        admin(ip).delete("/admin/clients/" + id).then().statusCode(204);

        List<Event> events = events(ip);
        for (Event e : events) {
            assertEquals("test-admin", e.clientId(), "the actor's client: " + e);
            assertEquals("test-admin", e.detail().getJsonObject("actor").getString("client_id"));
            String all = e.detail().encode();
            assertFalse(all.contains(secret1) || all.contains(secret2) || all.contains("secret_hash"), all);
        }
        Event create = only(events, "client.created");
        assertEquals(id, create.detail().getString("target"));
        assertEquals("deployment:read", create.detail().getJsonObject("after").getString("scope"));
        Event change = only(events, "client.changed");
        assertEquals("deployment:read", change.detail().getJsonObject("before").getString("scope"));
        assertEquals("deployment:read deployment:write", change.detail().getJsonObject("after").getString("scope"));
        assertEquals(id, only(events, "client.secret_rotated").detail().getString("target"));
        Event delete = only(events, "client.deleted");
        assertEquals("audited", delete.detail().getJsonObject("before").getString("client_name"));
        assertNull(delete.detail().getJsonObject("after"));
    }

    @Test
    void userChangesCarryOldAndNewValuesButNoPassword() {
        String ip = TestUsers.address();
        String email = "audit-" + System.nanoTime() + "@example.com";
        String id = admin(ip).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", TestUsers.PASSWORD, "scopes", List.of("deployment:read")))
                .post("/admin/users").then().statusCode(201).extract().path("id");
        admin(ip).contentType(ContentType.JSON)
                .body(Map.of("scopes", List.of("deployment:read", "deployment:write"), "password", "a-new-long-passphrase-77"))
                .patch("/admin/users/" + id).then().statusCode(200);
        admin(ip).delete("/admin/users/" + id).then().statusCode(204);

        List<Event> events = events(ip);
        assertEquals(email, only(events, "user.created").detail().getJsonObject("after").getString("email"));
        Event change = only(events, "user.changed");
        assertEquals(List.of("deployment:read"), change.detail().getJsonObject("before").getJsonArray("scopes").getList());
        assertEquals(List.of("deployment:read", "deployment:write"),
                change.detail().getJsonObject("after").getJsonArray("scopes").getList());
        assertTrue(change.detail().getJsonObject("after").getBoolean("password_changed"));
        assertEquals(email, only(events, "user.deleted").detail().getJsonObject("before").getString("email"));
        for (Event e : events) {
            String all = e.detail().encode();
            assertFalse(all.contains("a-new-long-passphrase-77") || all.contains(TestUsers.PASSWORD) || all.contains("$argon2"), all);
            assertEquals("test-admin", e.clientId());
        }
    }

    @Test
    void keyRotationAndCutOffsAreAudited() {
        String ip = TestUsers.address();
        admin(ip).post("/admin/keys/rotate").then().statusCode(202);
        TestClients.Registered c = TestClients.client().register();
        admin(ip).contentType(ContentType.JSON).body(Map.of("client_id", c.id())).post("/admin/revocations")
                .then().statusCode(200);
        List<Event> events = events(ip);
        Event rotated = only(events, "keys.rotated");
        List<String> before = kids(rotated.detail().getJsonObject("before"));
        List<String> after = kids(rotated.detail().getJsonObject("after"));
        assertFalse(before.isEmpty(), rotated.toString());
        assertTrue(after.stream().anyMatch(k -> !before.contains(k)), "the new key is in the after state: " + rotated);
        Event cut = only(events, "revocation.cut_off");
        assertEquals(c.id(), cut.detail().getJsonObject("after").getString("client_id"));
        assertEquals("test-admin", cut.clientId());
    }

    @Test
    void aThrottledLoginWritesOneEventPerBlockNotOnePerRequest() {
        TestUsers.Created u = TestUsers.create();
        String ip = TestUsers.address();
        int status = 0;
        for (int i = 0; i < 30 && status != 429; i++) {
            status = TestUsers.login(u.email(), "wrong-password-" + i, ip).statusCode();
        }
        assertEquals(429, status, "the account is throttled");
        assertEquals(1, count(events(ip), "login.throttled"), "the block that began is audited once");

        // a block of a minute on another address (as the failure that began it leaves it): the requests
        // it refuses write nothing more
        String blocked = TestUsers.address();
        redis.value(Long.class).set("forge:login:block:addr:" + blocked, System.currentTimeMillis() + 60_000,
                new SetArgs().ex(60)).await().atMost(Duration.ofSeconds(5));
        for (int i = 0; i < 5; i++) {
            assertEquals(429, TestUsers.login(u.email(), "wrong-again-" + i, blocked).statusCode());
        }
        assertEquals(0, count(events(blocked), "login.throttled"), events(blocked).toString());
    }

    static List<String> kids(JsonObject keys) {
        return keys.getJsonArray("keys").stream().map(k -> ((JsonObject) k).getString("kid")).toList();
    }

    static long count(List<Event> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).count();
    }
}
