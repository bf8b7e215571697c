package dev.forgeauth.auth.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test data builder for users, created through the admin API with unique emails; and logins. */
public final class TestUsers {

    public static final String PASSWORD = "violet-kettle-harbour-42";

    private TestUsers() {
    }

    public record Created(String id, String email, String password) {
    }

    public static Created create(String... scopes) {
        String email = "user-" + UUID.randomUUID() + "@example.com";
        String id = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD,
                        "scopes", scopes.length == 0 ? List.of("deployment:read") : List.of(scopes)))
                .post("/admin/users").then().statusCode(201).extract().path("id");
        return new Created(id, email, PASSWORD);
    }

    /** A unique client address per test, so address-based throttling of one test never touches another. */
    public static String address() {
        return "10." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250) + "." + (int) (Math.random() * 250);
    }

    public static ExtractableResponse<Response> login(String email, String password, String ip) {
        return given().contentType(ContentType.JSON).header("X-Forwarded-For", ip)
                .body(Map.of("email", email, "password", password)).post("/auth/login").then().extract();
    }

    public static ExtractableResponse<Response> login(Created u) {
        return login(u.email(), u.password(), address());
    }
}
