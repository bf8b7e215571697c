package dev.forgeauth.auth.user;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.forgeauth.auth.support.TestClients;
import dev.forgeauth.auth.support.TestTokens;
import dev.forgeauth.auth.support.TestUsers;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The admin API for users: shapes, normalised unique emails, password policy, bad input, deletion. */
@QuarkusTest
class AdminUsersTest {

    @Test
    void createNormalisesEmailAndHidesThePassword() {
        String local = "Mixed.Case-" + UUID.randomUUID();
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("email", "  " + local + "@Example.COM ", "password", TestUsers.PASSWORD))
                .post("/admin/users").then().statusCode(201)
                .body("id", notNullValue())
                .body("email", equalTo(local.toLowerCase() + "@example.com"))
                .body("scopes", equalTo(List.of("deployment:read")))
                .body("created_at", notNullValue())
                .body("password", nullValue())
                .body("password_hash", nullValue());
        // same address, other case: taken
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("email", local.toUpperCase() + "@example.com", "password", TestUsers.PASSWORD))
                .post("/admin/users").then().statusCode(409);
    }

    @Test
    void passwordPolicy() {
        for (String bad : List.of("short", "password123", "Password1234", "aaaaaaaaaaaa", "x".repeat(129))) {
            given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                    .body(Map.of("email", "p-" + UUID.randomUUID() + "@example.com", "password", bad))
                    .post("/admin/users").then().statusCode(400).body("error", equalTo("invalid_password"))
                    .body("error_description", notNullValue());
        }
        String email = "samename-" + UUID.randomUUID() + "@example.com";
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "xx" + email.split("@")[0] + "xx"))
                .post("/admin/users").then().statusCode(400).body("error", equalTo("invalid_password"));
    }

    @Test
    void badInputIsRefused() {
        String admin = TestTokens.admin();
        given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"email\": ").post("/admin/users")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().oauth2(admin).contentType(ContentType.TEXT).body("x").post("/admin/users")
                .then().statusCode(415);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("password", TestUsers.PASSWORD))
                .post("/admin/users").then().statusCode(400).body("error", equalTo("invalid_request"));
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("email", "not-an-email", "password", TestUsers.PASSWORD))
                .post("/admin/users").then().statusCode(400);
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("email", "s-" + UUID.randomUUID() + "@example.com", "password", TestUsers.PASSWORD,
                        "scopes", "deployment:read"))
                .post("/admin/users").then().statusCode(400);
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("email", "s-" + UUID.randomUUID() + "@example.com", "password", TestUsers.PASSWORD,
                        "scopes", List.of("two scopes")))
                .post("/admin/users").then().statusCode(400);
        given().auth().oauth2(admin).get("/admin/users/not-a-uuid").then().statusCode(404);
        given().auth().oauth2(admin).get("/admin/users?limit=0").then().statusCode(400);
    }

    @Test
    void needsAdmin() {
        given().get("/admin/users").then().statusCode(401);
        var c = TestClients.client().register();
        given().auth().oauth2(TestTokens.clientCredentials(c.id(), c.secret(), null)).get("/admin/users")
                .then().statusCode(403);
    }

    @Test
    void getListPatchDelete() {
        var u = TestUsers.create("deployment:read");
        String admin = TestTokens.admin();
        given().auth().oauth2(admin).get("/admin/users/" + u.id()).then().statusCode(200).body("email", equalTo(u.email()));
        given().auth().oauth2(admin).get("/admin/users?limit=500").then().statusCode(200).body("id", hasItem(u.id()));
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("scopes", List.of("deployment:read", "infrastructure:read")))
                .patch("/admin/users/" + u.id()).then().statusCode(200)
                .body("scopes", equalTo(List.of("deployment:read", "infrastructure:read")));
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("password", "123"))
                .patch("/admin/users/" + u.id()).then().statusCode(400).body("error", equalTo("invalid_password"));

        String token = TestUsers.login(u).path("access_token");
        given().auth().oauth2(token).get("/auth/sessions").then().statusCode(200);
        given().auth().oauth2(admin).delete("/admin/users/" + u.id()).then().statusCode(204);
        given().auth().oauth2(admin).get("/admin/users/" + u.id()).then().statusCode(404);
        given().auth().oauth2(admin).delete("/admin/users/" + u.id()).then().statusCode(404);
        // every credential of the user is gone
        given().auth().oauth2(token).get("/auth/sessions").then().statusCode(401);
        TestUsers.login(u.email(), u.password(), TestUsers.address()).response().then().statusCode(401);
    }
}
