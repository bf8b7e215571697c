package dev.forgeauth.e2e.support;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/** Small HTTP calls against the services (java.net.http, JSON through Nimbus's parser). */
public final class ForgeApi {

    public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private ForgeApi() {
    }

    /** A client id and secret. */
    public record Credentials(String id, String secret) {
        public String basic() {
            return "Basic " + Base64.getEncoder().encodeToString(
                    (form(id) + ":" + form(secret)).getBytes(StandardCharsets.UTF_8));
        }
    }

    public static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    public static Map<String, Object> json(HttpResponse<String> r) {
        try {
            return JSONObjectUtils.parse(r.body());
        } catch (ParseException e) {
            throw new AssertionError("not JSON (" + r.statusCode() + "): " + r.body(), e);
        }
    }

    public static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<String> postForm(String url, String authorization, String body)
            throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                .header("Authorization", authorization)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public static HttpResponse<String> postJson(String url, String bearer, String json)
            throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** client_credentials access token, or an AssertionError with the answer. */
    public static String accessToken(String authBase, Credentials client, String scope)
            throws IOException, InterruptedException {
        HttpResponse<String> r = postForm(authBase + "/oauth/token", client.basic(),
                "grant_type=client_credentials" + (scope == null ? "" : "&scope=" + form(scope)));
        if (r.statusCode() != 200) {
            throw new AssertionError("token request for " + client.id() + " answered " + r.statusCode() + ": " + r.body());
        }
        return (String) json(r).get("access_token");
    }

    /** Registers a confidential client_credentials client through the admin API. */
    public static Credentials registerClient(String authBase, Credentials admin, String name, String scope)
            throws IOException, InterruptedException {
        String adminToken = accessToken(authBase, admin, "admin");
        HttpResponse<String> r = postJson(authBase + "/admin/clients", adminToken,
                "{\"client_name\":\"" + name + "\",\"grant_types\":[\"client_credentials\"],\"scope\":\"" + scope + "\"}");
        if (r.statusCode() != 201) {
            throw new AssertionError("POST /admin/clients answered " + r.statusCode() + ": " + r.body());
        }
        Map<String, Object> m = json(r);
        return new Credentials((String) m.get("client_id"), (String) m.get("client_secret"));
    }

    /** POST /oauth/revoke as the owning client (RFC 7009). */
    public static HttpResponse<String> revoke(String authBase, Credentials client, String token)
            throws IOException, InterruptedException {
        return postForm(authBase + "/oauth/revoke", client.basic(),
                "token=" + form(token) + "&token_type_hint=access_token");
    }

    /** POST /oauth/introspect; the raw answer. */
    public static HttpResponse<String> introspect(String introspectionBase, Credentials caller, String token)
            throws IOException, InterruptedException {
        return postForm(introspectionBase + "/oauth/introspect", caller.basic(), "token=" + form(token));
    }

    /** The {@code active} member of a 200 introspection answer; an AssertionError for anything else. */
    public static boolean active(String introspectionBase, Credentials caller, String token)
            throws IOException, InterruptedException {
        HttpResponse<String> r = introspect(introspectionBase, caller, token);
        if (r.statusCode() != 200) {
            throw new AssertionError("introspection at " + introspectionBase + " answered " + r.statusCode() + ": " + r.body());
        }
        Object active = json(r).get("active");
        if (!(active instanceof Boolean b)) {
            throw new AssertionError("no boolean active in " + r.body());
        }
        if (!b && !r.body().replace(" ", "").equals("{\"active\":false}")) {
            throw new AssertionError("an inactive answer must be exactly {\"active\":false}, got " + r.body());
        }
        return b;
    }
}
