package dev.forgeauth.auth.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test data builder for clients, registered through the admin API with unique ids. */
public final class TestClients {

    public static final String ADMIN_ID = "test-admin";
    public static final String ADMIN_SECRET = "test-admin-secret-not-for-production";

    private final Map<String, Object> body = new LinkedHashMap<>();

    private TestClients() {
        body.put("client_id", "c-" + UUID.randomUUID());
        body.put("client_name", "test client");
        body.put("grant_types", List.of("client_credentials"));
        body.put("scope", "deployment:read deployment:write");
    }

    public static TestClients client() {
        return new TestClients();
    }

    public TestClients scope(String scope) {
        body.put("scope", scope);
        return this;
    }

    public TestClients ttl(int seconds) {
        body.put("access_token_ttl", seconds);
        return this;
    }

    /** A public client (no secret) of a browser or native app: authorization code with PKCE. */
    public TestClients publicClient() {
        body.put("token_endpoint_auth_method", "none");
        body.put("grant_types", List.of("authorization_code", "refresh_token"));
        body.put("redirect_uris", List.of("http://127.0.0.1:9999/callback"));
        return this;
    }

    /** A confidential web app: authorization code, refresh tokens, a registered redirect URI. */
    public TestClients webApp(String redirectUri) {
        body.put("grant_types", List.of("authorization_code", "refresh_token"));
        body.put("redirect_uris", List.of(redirectUri));
        return this;
    }

    public TestClients set(String field, Object value) {
        body.put(field, value);
        return this;
    }

    public Map<String, Object> body() {
        return body;
    }

    /** Registers the client; returns the 201 answer (with client_secret for confidential clients). */
    public Registered register() {
        JsonPath json = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(body)
                .when().post("/admin/clients")
                .then().statusCode(201).extract().jsonPath();
        return new Registered(json.getString("client_id"), json.getString("client_secret"), json);
    }

    public record Registered(String id, String secret, JsonPath json) {
    }
}
